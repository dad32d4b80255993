// A pino destination for people at a terminal: each log line becomes `emo: warning: message` on
// stderr (the shape of every other CLI message) instead of a JSON object. The fleet keeps JSON.

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

export interface PlainLogDestination {
  write(line: string): void;
}

/**
 * `write` defaults to process.stderr.write, looked up at each line (so whatever stderr is then, a
 * test's capture included, gets it). A line that is not pino JSON is passed on as it is.
 */
export function plainLogDestination(prefix = 'emo', write: (text: string) => void = (t) => process.stderr.write(t)): PlainLogDestination {
  return {
    write(line: string) {
      let entry: { level?: number; msg?: unknown; err?: { message?: unknown } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        write(line.endsWith('\n') ? line : `${line}\n`);
        return;
      }
      write(`${prefix}: ${plainLogLine(entry)}\n`);
    },
  };
}

/** `warning: message` (with the error's message when one is attached and the text does not say it already). */
export function plainLogLine(entry: { level?: number; msg?: unknown; err?: { message?: unknown } }): string {
  const level = LEVEL_NAMES[entry.level ?? 30] ?? 'log';
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  const errMessage = typeof entry.err?.message === 'string' ? entry.err.message : '';
  const text = errMessage && !msg.includes(errMessage) ? (msg ? `${msg}: ${errMessage}` : errMessage) : msg;
  return `${level}: ${text.replace(/\s*\n\s*/g, ' ')}`;
}
