import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RedisAvailability } from './redis-availability';
import { queueUnavailableError, redisFailureOf } from './redis-errors';

class FakeConnection extends EventEmitter {
  status = 'connecting';
  to(status: string, event = status): void {
    this.status = status;
    this.emit(event);
  }
}

function setup() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', msg, fields }),
    info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', msg, fields }),
  };
  let now = 1000;
  const sut = new RedisAvailability(logger as never, () => now);
  return { sut, lines, advance: (ms: number) => (now += ms) };
}

describe(RedisAvailability.name, () => {
  it('logs one line when Redis goes and one when every connection is back, not one per attempt', () => {
    const { sut, lines, advance } = setup();
    const command = new FakeConnection();
    const subscriber = new FakeConnection();
    sut.watch(command as never, 'command');
    sut.watch(subscriber as never, 'subscriber');
    command.to('ready');
    subscriber.to('ready');
    expect([sut.up, lines]).toEqual([true, []]);

    command.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    command.to('reconnecting', 'close');
    subscriber.to('reconnecting', 'close');
    for (let i = 0; i < 5; i++) {
      command.emit('error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));
      command.to('reconnecting');
    }
    expect(sut.up).toBe(false);
    expect(lines).toEqual([
      { level: 'warn', msg: 'queue Redis unavailable', fields: { connections: ['command'], reason: 'read ECONNRESET' } },
    ]);

    advance(1500);
    command.to('ready');
    expect(sut.up).toBe(false); // the subscriber is not back yet
    subscriber.to('ready');
    expect(sut.up).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'queue Redis available again', fields: { downMs: 1500 } });
  });

  it('says nothing before a connection was first ready, nor while the client closes', () => {
    const { sut, lines } = setup();
    const command = new FakeConnection();
    sut.watch(command as never, 'command');
    command.emit('error', new Error('connect ECONNREFUSED'));
    command.to('reconnecting');
    expect([sut.up, lines]).toEqual([true, []]);
    command.to('ready');
    sut.close();
    command.to('end');
    expect(lines).toEqual([]);
  });
});

describe('redis errors', () => {
  it('tells unavailable and out-of-memory Redis errors from the rest', () => {
    expect(redisFailureOf(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe('unavailable');
    expect(
      redisFailureOf(
        Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
      ),
    ).toBe('unavailable');
    expect(redisFailureOf(new Error('Command timed out'))).toBe('unavailable');
    expect(redisFailureOf(new Error('LOADING Redis is loading the dataset in memory'))).toBe('unavailable');
    // A cluster failing over: a pipeline's MOVED replies (ioredis hands them back), a blocking call unblocked.
    expect(redisFailureOf(new Error('MOVED 3273 127.0.0.1:42911'))).toBe('unavailable');
    expect(redisFailureOf(new Error('UNBLOCKED force unblock from blocking operation, instance state changed'))).toBe('unavailable');
    expect(redisFailureOf(new Error('Too many Cluster redirections. Last error: Error: CLUSTERDOWN'))).toBe('unavailable');
    // An auto-pipeline grouped under the slot map before a failover, sent after it.
    expect(redisFailureOf(new Error('All keys in the pipeline should belong to the same slots allocation group'))).toBe('unavailable');
    // WAIT on the old master of a slot (a stale slot map) right after a failover.
    expect(redisFailureOf(new Error('ERR WAIT cannot be used with replica instances. Please also note that …'))).toBe('unavailable');
    expect(redisFailureOf(new Error("OOM command not allowed when used memory > 'maxmemory'."))).toBe('oom');
    expect(redisFailureOf(new Error('boom', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBe('unavailable');
    expect(redisFailureOf(new Error('ERR wrong number of arguments'))).toBeUndefined();
    expect(queueUnavailableError(new Error("OOM command not allowed when used memory > 'maxmemory'."))?.toBody()).toEqual({
      error: { code: 'QUEUE_UNAVAILABLE', message: expect.stringContaining('out of memory'), details: { reason: 'redis_oom' } },
    });
    expect(queueUnavailableError(new TypeError('x'))).toBeUndefined();
  });
});
