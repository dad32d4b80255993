// One Redis command over a fresh TCP connection, with nothing but node:net: what the redis-server
// launcher (redis-server.ts) needs to wait for PING and read INFO / DBSIZE, and what the vitest
// global setup (tools/testing) can load without pulling ioredis or any @emo library in.
import { createConnection } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A reply as RESP2 sends it: simple strings and bulk strings as text, integers as numbers, null bulk as null. */
export type RedisReply = string | number | null | RedisReply[];

/** RESP2 reply parser over a buffer; returns undefined while the reply is incomplete. */
function parseReply(buf: Buffer, at = 0): { value: RedisReply | Error; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const head = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: head, end: next };
    case '-':
      return { value: new Error(head), end: next };
    case ':':
      return { value: Number(head), end: next };
    case '$': {
      const len = Number(head);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(head);
      if (count < 0) return { value: null, end: next };
      const items: RedisReply[] = [];
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, pos);
        if (!item) return undefined;
        if (item.value instanceof Error) return item;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      return { value: new Error(`unexpected RESP reply type ${JSON.stringify(type)}`), end: buf.length };
  }
}

/**
 * Sends one command to the Redis at `url` (redis:// or rediss://[user:pass@]host:port; AUTH first when the URL
 * has a password) and resolves with its reply; rejects on a connection error, an error reply or no
 * answer within `timeoutMs`.
 */
export function redisCommand(url: string, args: readonly string[], timeoutMs = 1000): Promise<RedisReply> {
  const u = new URL(url);
  const auth = u.password ? [['AUTH', ...(u.username ? [u.username] : []), u.password].map(decodeURIComponent)] : [];
  const commands = [...auth, [...args]];
  const encode = (cmd: readonly string[]) => `*${cmd.length}\r\n${cmd.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((done, fail) => {
    const target = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) };
    const socket = u.protocol === 'rediss:' ? tlsConnect({ ...target, servername: target.host }) : createConnection(target);
    const ready = u.protocol === 'rediss:' ? 'secureConnect' : 'connect';
    let buf = Buffer.alloc(0);
    let replies = 0;
    const finish = (err: Error | undefined, value?: RedisReply) => {
      socket.destroy();
      if (err) fail(err);
      else done(value!);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`${u.host}: no answer within ${timeoutMs} ms`)));
    socket.once('error', (e) => finish(e));
    socket.once(ready, () => socket.write(commands.map(encode).join('')));
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const reply = parseReply(buf);
        if (!reply) return;
        buf = buf.subarray(reply.end);
        if (reply.value instanceof Error) return finish(reply.value);
        if (++replies === commands.length) return finish(undefined, reply.value);
      }
    });
  });
}

/** Whether the Redis at `url` answers PING with PONG within `timeoutMs`. */
export async function redisAnswersPing(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    return (await redisCommand(url, ['PING'], timeoutMs)) === 'PONG';
  } catch {
    return false;
  }
}
