import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './create-logger';
import { plainLogDestination, plainLogLine } from './plain-log-destination';

describe(plainLogDestination.name, () => {
  afterEach(() => vi.restoreAllMocks());

  it('turns each pino line into `emo: <level>: message`', () => {
    const lines: string[] = [];
    const sut = plainLogDestination('emo', (t) => lines.push(t));
    sut.write('{"level":40,"time":1,"pid":2,"hostname":"h","name":"emo-cli","policy":"noeviction","msg":"result cache: shared"}\n');
    sut.write('{"level":50,"msg":"boom"}\n');
    sut.write('not json');
    expect(lines).toEqual(['emo: warning: result cache: shared\n', 'emo: error: boom\n', 'not json\n']);
  });

  it("adds an attached error's message unless the text already says it, on one line", () => {
    expect(plainLogLine({ level: 40, msg: 'could not save', err: { message: 'Connection is closed' } })).toBe(
      'warning: could not save: Connection is closed',
    );
    expect(plainLogLine({ level: 50, msg: 'failed: Connection is closed', err: { message: 'Connection is closed' } })).toBe(
      'error: failed: Connection is closed',
    );
    expect(plainLogLine({ level: 30, msg: 'two\n  lines' })).toBe('info: two lines');
  });

  it('is what createLogger writes to stderr with format plain (level filtering and redaction unchanged)', () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => {
      stderr += s;
      return true;
    }) as typeof process.stderr.write);
    const sut = createLogger({ level: 'warn', name: 'emo-cli', format: 'plain' });
    sut.info('not shown');
    sut.warn({ apiKey: 'secret-key' }, 'provider cuda failed to load; using cpu');
    expect(stderr).toBe('emo: warning: provider cuda failed to load; using cpu\n');
  });
});
