// Issue 17, the queue dashboard in a real browser: Debian's Chromium (headless, playwright-core)
// against a real fleet (`emo serve api` + `emo serve worker` processes, tiny model, the test Redis).
// A bulk job and a /v1/classify call finish first; then the browser renders the OpenAPI UI at
// /docs, signs in to the admin pages with the sign-in form (admin key in the form body, session
// cookie), and finds both queues and the completed chunk of the job on /admin/queues, with none of
// the job's texts. Screenshots go to test-artifacts/browser/ (git-ignored); the test prints their paths.
// Needs Chromium at /usr/bin/chromium: skips without it, fails with REQUIRE_BROWSER=1 (.ci/run).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalFleet } from '@emo/bench';
import { loadConfig } from '@emo/config';
import { FleetClient } from '@emo/queue';

const ROOT = resolve(import.meta.dirname, '../..');
const TINY_MODEL = resolve(ROOT, 'test/fixtures/models/tiny-softmax');

const ADMIN_KEY = 'browser-admin-key-0123';
const USER_KEY = 'browser-user-key-4567';
const SECRET = 'browser-secret-text';
const ARTIFACTS = resolve(ROOT, 'test-artifacts/browser');
/** Guards for a loaded machine, never the verdict. */
const STEP_MS = 30_000;

type Board = { queues: { name: string; counts: Record<string, number> }[] };

describe.skipIf(!inject('redisAvailable') || !inject('browserAvailable'))('queue dashboard in Chromium (issue 17)', () => {
  const prefix = `e2e-browser-${randomUUID().slice(0, 8)}`;
  let base = '';
  let fleet: LocalFleet | undefined;
  let browser: Browser | undefined;
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const user = { authorization: `Bearer ${USER_KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    // The bench's local fleet: `emo serve api` + `emo serve worker` processes, ready once /readyz answers.
    fleet = await LocalFleet.start({
      config: loadConfig({}, { modelDir: TINY_MODEL }),
      prefix,
      redisUrl: inject('redisUrl'),
      apiKey: ADMIN_KEY,
      env: {
        CACHE_REDIS_URL: inject('redisUrl'),
        INFERENCE_THREADS: '1',
        API_KEYS: `${ADMIN_KEY},${USER_KEY}`,
        API_ADMIN_KEYS: ADMIN_KEY,
        API_QUEUE_DASHBOARD: 'true',
        QUEUE_KEEP_COMPLETED_CHUNKS: '20',
      },
      readyTimeoutMs: 90_000,
    });
    base = fleet.base;
    browser = await chromium.launch({ executablePath: inject('chromiumPath'), headless: true, args: ['--no-sandbox'], timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    const client = new FleetClient(loadConfig({ REDIS_URL: inject('redisUrl') }, { queuePrefix: prefix }));
    await client.purge().finally(() => client.close());
  }, 60_000);

  /** Polls `read` until `done` holds (each try a round trip; a bounded number of tries). */
  const until = async <T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    for (let tries = 0; ; tries++) {
      const value = await read();
      if (done(value)) return value;
      if (tries > 600) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const screenshot = async (page: Page, name: string) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = resolve(ARTIFACTS, name);
    await page.screenshot({ path, fullPage: true });
    console.log(`queue dashboard screenshot: ${path}`);
  };

  it('shows /docs, then both queues and the completed job on /admin/queues to a signed-in admin', async () => {
    // Work first: a bulk job, an interactive job (the interactive queue) and a /v1/classify call, all finished.
    // The call rides the interactive lane (ADR 020), a list the board does not show: it leaves no chunk here.
    const submitted = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: user,
      body: JSON.stringify({
        items: [
          { id: 'm1', text: `${SECRET} thanks so much` },
          { id: 'm2', text: 'this is so annoying' },
        ],
      }),
    });
    expect(submitted.status).toBe(202);
    const jobId = ((await submitted.json()) as { job_id: string }).job_id;
    const urgent = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: user,
      body: JSON.stringify({ priority: 'interactive', items: [{ id: 'u1', text: `${SECRET} right now please` }] }),
    });
    expect(urgent.status).toBe(202);
    const urgentId = ((await urgent.json()) as { job_id: string }).job_id;
    const classified = await fetch(`${base}/v1/classify`, {
      method: 'POST',
      headers: user,
      body: JSON.stringify({ texts: [`${SECRET} wow`] }),
    });
    expect(classified.status).toBe(200);
    for (const id of [jobId, urgentId])
      await until(
        `job ${id}`,
        async () => ((await (await fetch(`${base}/v1/jobs/${id}`, { headers: user })).json()) as { state: string }).state,
        (state) => state === 'completed',
      );
    // BullMQ moves a chunk to completed after the job's results land: wait for both queues' chunks there.
    const board = await until(
      'completed chunks on both queues',
      async () => (await (await fetch(`${base}/admin/queues/api/queues`, { headers: admin })).json()) as Board,
      (b) => b.queues.length === 2 && b.queues.every((q) => q.counts.completed >= 1 && q.counts.active === 0),
    );
    expect(board.queues.map((q) => q.name).sort()).toEqual(['bulk', 'interactive']);

    const page = await browser!.newPage();
    page.setDefaultTimeout(STEP_MS);
    try {
      // The OpenAPI UI renders (API_DOCS=public by default).
      await page.goto(`${base}/docs`);
      await expect.poll(() => page.locator('.swagger-ui .info .title').textContent(), { timeout: STEP_MS }).toContain('emo-fleet API');
      await page.locator('.swagger-ui .opblock').first().waitFor();

      // Without a session the board is refused (the project's error body, not the page).
      const refused = await page.goto(`${base}/admin/queues/`);
      expect(refused?.status()).toBe(401);
      expect(await page.textContent('body')).toContain('UNAUTHORIZED');

      // Sign in with the form: the key travels in the POST body, the answer sets the cookie and redirects.
      await page.goto(`${base}/admin/session`);
      await page.fill('#admin_key', ADMIN_KEY);
      await Promise.all([page.waitForURL(`${base}/admin/queues/`), page.click('button[type=submit]')]);
      const cookies = await page.context().cookies(`${base}/admin/queues/`);
      expect(cookies.find((c) => c.name === 'emo_admin_session')).toMatchObject({
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
        path: '/admin',
      });
      for (const name of ['interactive', 'bulk']) await page.getByText(name, { exact: true }).first().waitFor();
      await screenshot(page, 'admin-queues-overview.png');

      // The bulk queue's completed chunk: the job's id, shown without its texts.
      await page.goto(`${base}/admin/queues/queue/bulk?status=completed`);
      await page.getByText(jobId.slice(0, 8)).first().waitFor();
      const text = (await page.textContent('body')) ?? '';
      expect(text).toContain(jobId.slice(0, 8));
      expect(text.toLowerCase()).toContain('completed');
      expect(text).not.toContain(SECRET);
      await screenshot(page, 'admin-queues.png');
    } finally {
      await page.close();
    }
  }, 180_000);
});
