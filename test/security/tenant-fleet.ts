// The API the security suites attack: one in-process Nest + Fastify app (requests through
// app.inject, no sockets) on the real Redis under a fresh QUEUE_PREFIX, with three tenants' keys
// (A, B and an admin) and a fake chunk consumer that labels texts at once, except texts holding
// HOLD_TOKEN: those wait until the fleet closes, so a job holding one stays running and a cancel
// of it shows in its state. Every request is counted, and each answer comes back with its text.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCOPES, type Classifier, type ClassifyOutcome, type Scope } from '@emo/contracts';
import { createApiApp, type ApiApp } from '@emo/api';
import { loadConfig } from '@emo/config';
import { createLogger } from '@emo/profiler';
import type { ChunkConsumer } from '@emo/queue';

/**
 * The tenants that own things (A and B with the classify, jobs and backfills scopes, the admin with
 * every scope); `ltd` (a keys-file tenant with the classify scope only and a rate limit of one
 * text per second, so its calls meet 429 RATE_LIMITED), `anon` (no key) and `bad` (an unknown
 * key) own nothing.
 */
export type TenantName = 'a' | 'b' | 'admin';
export type Requester = TenantName | 'ltd' | 'anon' | 'bad';
export const TENANTS: readonly TenantName[] = ['a', 'b', 'admin'];
export const SCOPES_OF: Readonly<Record<TenantName | 'ltd', ReadonlySet<Scope>>> = {
  a: new Set(['classify', 'jobs', 'backfills']),
  b: new Set(['classify', 'jobs', 'backfills']),
  admin: new Set(SCOPES),
  ltd: new Set(['classify']),
};

export const KEYS: Readonly<Record<TenantName, string>> = {
  a: 'tenant-a-key-7f3c9e1d2b',
  b: 'tenant-b-key-4a8e0c6f1d',
  admin: 'tenant-admin-key-9b2d5e7a0c',
};
export const LIMITED_KEY = 'tenant-ltd-key-3e5a7c9b1f';
export const BAD_KEY = 'tenant-x-key-0000000000';

/** The key a requester sends (none for anon). */
export const keyOf = (who: Requester): string | undefined =>
  who === 'anon' ? undefined : who === 'bad' ? BAD_KEY : who === 'ltd' ? LIMITED_KEY : KEYS[who];

/** A text holding this is not answered by the fake worker until the fleet closes. */
export const HOLD_TOKEN = `hold-${randomUUID()}`;

export interface SecRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly payload?: string | Buffer;
}

export interface SecResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly body: string;
}

export interface TenantFleet {
  readonly api: ApiApp;
  readonly prefix: string;
  /** Requests sent so far. */
  readonly sent: number;
  send(req: SecRequest): Promise<SecResponse>;
  /** `authorization` for a requester (none for anon). */
  auth(who: Requester): Record<string, string>;
  close(): Promise<void>;
}

/** Labels each text at once; texts holding HOLD_TOKEN wait for `release`. */
function fakeClassifier(released: Promise<void>): Classifier {
  return {
    async classify(texts: readonly string[]): Promise<ClassifyOutcome[]> {
      if (texts.some((t) => t.includes(HOLD_TOKEN))) await released;
      return texts.map((t) => ({ labels: [{ label: t.length % 2 ? 'joy' : 'neutral', score: 0.9 }], model: 'fake@1' }));
    },
  };
}

export async function startTenantFleet(redisUrl: string, tag: string, env: Record<string, string> = {}): Promise<TenantFleet> {
  const prefix = `test-sec-${tag}-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'emo-sec-'));
  const keysFile = join(dir, 'keys.json');
  const sha256 = createHash('sha256').update(LIMITED_KEY).digest('hex');
  writeFileSync(
    keysFile,
    JSON.stringify({ tenants: [{ id: 'ltd', scopes: ['classify'], limits: { texts_per_s: 1 }, keys: [{ sha256 }] }] }),
  );
  const config = loadConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    API_KEYS: Object.values(KEYS).join(','),
    API_ADMIN_KEYS: KEYS.admin,
    API_KEYS_FILE: keysFile,
    API_KEYS_RELOAD_MS: '0',
    LOG_LEVEL: 'silent',
    JOB_CHUNK_SIZE: '4',
    // The verdicts are about who sees what: no deadline may pass on a loaded machine (a 504 is a 5xx).
    CLASSIFY_DEADLINE_MS: '120000',
    API_BODY_LIMIT_BYTES: '65536',
    BACKFILL_MAX_BODY_BYTES: '65536',
    ...env,
  });
  const removeKeysFile = () => rmSync(dir, { recursive: true, force: true });
  const api = await createApiApp(config, { logger: createLogger({ level: 'silent' }) }).catch((e: unknown) => {
    removeKeysFile();
    throw e;
  });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let consumer: ChunkConsumer | undefined;
  try {
    consumer = api.fleet.startConsumer(fakeClassifier(released), { concurrency: { interactive: 2, bulk: 6 }, lockDurationMs: 30_000 });
  } catch (e) {
    await api.close();
    removeKeysFile();
    throw e;
  }
  let sent = 0;
  return {
    api,
    prefix,
    get sent() {
      return sent;
    },
    async send(req) {
      sent += 1;
      const res = await api.app.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.payload });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
    auth: (who): Record<string, string> => (who === 'anon' ? {} : { authorization: `Bearer ${keyOf(who)}` }),
    async close() {
      release();
      await consumer?.close(5000);
      await api.fleet.purge();
      await api.close();
      removeKeysFile();
    },
  };
}
