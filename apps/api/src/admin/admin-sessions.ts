// Admin browser sessions, kept in the queue Redis so that every API pod honours them and a
// sign-out (or the TTL) ends them everywhere. The cookie holds a random 256-bit token; Redis holds
// only the token's SHA-256 (someone who reads Redis cannot replay a session) mapped to the SHA-256
// of the admin key that signed in. Every request resolves that digest against the current tenant
// table, so removing the key (or its admin scope) from the keys file ends its sessions too.
// Sessions are server-side rather than signed cookies: no secret to share between pods, and revocable.
import { createHash, randomBytes } from 'node:crypto';
import type { FleetClient } from '@emo/queue';

type SessionRedis = Pick<FleetClient['redis'], 'set' | 'get' | 'del'>;

/** Tokens are 32 random bytes in base64url: exactly 43 characters of this alphabet. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export class AdminSessions {
  constructor(
    private readonly redis: SessionRedis,
    private readonly prefix: string,
    readonly ttlSeconds: number,
  ) {}

  /** A new session for the key whose SHA-256 is `keySha256`; returns the cookie's token. */
  async create(keySha256: Buffer): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.set(this.keyOf(token), keySha256.toString('hex'), 'EX', this.ttlSeconds);
    return token;
  }

  /** The key digest a live session was signed in with; undefined for an unknown or expired token. */
  async resolve(token: string): Promise<Buffer | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const hex = await this.redis.get(this.keyOf(token));
    return hex ? Buffer.from(hex, 'hex') : undefined;
  }

  async revoke(token: string): Promise<void> {
    if (TOKEN.test(token)) await this.redis.del(this.keyOf(token));
  }

  private keyOf(token: string): string {
    return `${this.prefix}:admin:session:${createHash('sha256').update(token).digest('hex')}`;
  }
}
