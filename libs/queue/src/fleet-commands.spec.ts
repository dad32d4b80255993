// retryOnceOnNoScript: a fleet command that answered NOSCRIPT (the script did not run) is called
// once more, with the same arguments and receiver; any other error, or a second NOSCRIPT, is the
// caller's. Verdicts by construction: a scripted fake client counts its calls.
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { retryOnceOnNoScript } from './fleet-commands';

function client(answers: readonly (unknown | Error)[]) {
  const calls: unknown[][] = [];
  const c: Record<string, unknown> = {
    emoStoreChunk(this: unknown, ...args: unknown[]) {
      expect(this).toBe(c);
      calls.push(args);
      const next = answers[calls.length - 1];
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  };
  retryOnceOnNoScript(c, 'emoStoreChunk');
  // Called as the client's method, as ioredis's callers do (`redis.emoStoreChunk(…)`).
  const call = (...args: unknown[]) => (c.emoStoreChunk as (...a: unknown[]) => Promise<unknown>).apply(c, args);
  return { call, calls };
}

const noScript = () => new ReplyError('NOSCRIPT No matching script. Please use EVAL.');

describe('retryOnceOnNoScript', () => {
  it('calls once more after NOSCRIPT, with the same arguments, and answers what that call answers', async () => {
    const { call, calls } = client([noScript(), 7]);
    await expect(call('meta', 'results', 3)).resolves.toBe(7);
    expect(calls).toEqual([
      ['meta', 'results', 3],
      ['meta', 'results', 3],
    ]);
  });

  it('does not retry other errors, nor a second NOSCRIPT', async () => {
    const other = client([new ReplyError('ERR something else'), 1]);
    await expect(other.call('k')).rejects.toThrow('ERR something else');
    expect(other.calls).toHaveLength(1);
    const twice = client([noScript(), noScript(), 1]);
    await expect(twice.call('k')).rejects.toThrow(/^NOSCRIPT/);
    expect(twice.calls).toHaveLength(2);
  });

  it("passes a pipeline's copy of the method straight through (ioredis copies script methods onto pipelines)", () => {
    const seen: unknown[] = [];
    const c: Record<string, unknown> = {
      emoStoreChunk(this: unknown, ...args: unknown[]) {
        seen.push(this, args);
        return this; // a pipeline's command queues and chains
      },
    };
    retryOnceOnNoScript(c, 'emoStoreChunk');
    const pipeline: Record<string, unknown> = { emoStoreChunk: c.emoStoreChunk };
    expect((pipeline.emoStoreChunk as (...a: unknown[]) => unknown).call(pipeline, 'k', 1)).toBe(pipeline);
    expect(seen).toEqual([pipeline, ['k', 1]]);
  });

  it('leaves a call that succeeds alone', async () => {
    const { call, calls } = client([5]);
    await expect(call('k')).resolves.toBe(5);
    expect(calls).toHaveLength(1);
  });
});
