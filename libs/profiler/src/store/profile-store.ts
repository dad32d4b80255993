// Where processes publish their recent windows so any API pod (or `emo profile`) can analyse the
// whole fleet. Redis in the fleet (RedisProfileStore), memory in tests and the local CLI.
import type { ProfileSnapshot } from '../window/profile-snapshot';

export interface ProfileStore {
  /** Replaces this source's snapshot; it disappears after `ttlMs` unless published again. */
  publish(snapshot: ProfileSnapshot, ttlMs: number): Promise<void>;
  /** Every live snapshot (one per source). */
  recent(): Promise<ProfileSnapshot[]>;
}

export class InMemoryProfileStore implements ProfileStore {
  private readonly entries = new Map<string, { snapshot: ProfileSnapshot; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async publish(snapshot: ProfileSnapshot, ttlMs: number): Promise<void> {
    this.entries.set(snapshot.source, { snapshot, expiresAt: this.now() + ttlMs });
  }

  async recent(): Promise<ProfileSnapshot[]> {
    const now = this.now();
    return [...this.entries.values()].filter((e) => e.expiresAt > now).map((e) => e.snapshot);
  }
}
