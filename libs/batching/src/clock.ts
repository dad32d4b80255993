// Time and timers, injected: the batching policy never reads the system clock or starts a timer
// itself, so tests drive it with a simulated clock and the engine with the real one.

export interface Clock {
  /** Milliseconds since the epoch (fractions allowed); must never go backwards. */
  now(): number;
}

export interface TimerScheduler {
  /** Calls `fn` once after `delayMs` (0: as soon as the current work is done); returns a cancel function. */
  schedule(delayMs: number, fn: () => void): () => void;
}
