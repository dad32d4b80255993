import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatProfileReport, type ProfileReport } from '@emo/profiler';
import { runCliCaptured, testEnv } from '../testing/run-cli-captured';

const dir = mkdtempSync(join(tmpdir(), 'emo-profile-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const texts = join(dir, 'texts.txt');
writeFileSync(
  texts,
  `${Array.from({ length: 150 }, (_, i) => `message number ${i}: ${i % 2 ? 'I love it' : 'this is awful'}`).join('\n')}\n`,
);

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A fleet API whose GET /v1/profile answers `status` and `body`; records the authorization header. */
async function fakeApi(status: number, body: unknown): Promise<{ url: string; auth: (string | undefined)[] }> {
  const auth: (string | undefined)[] = [];
  server = createServer((req, res) => {
    auth.push(req.headers.authorization);
    res.writeHead(req.url === '/v1/profile' ? status : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth };
}

let localRun: Awaited<ReturnType<typeof runCliCaptured>>;
let localReport: ProfileReport;

describe('emo profile', () => {
  // One local profile (the only one that loads the model); its report is also what the fake fleets serve.
  beforeAll(async () => {
    localRun = await runCliCaptured(['profile', '--local', texts, '--json']);
    localReport = JSON.parse(localRun.stdout || '{}') as ProfileReport;
  });

  it('--local profiles the in-process engine on the lines of a file: every text counted, the model named', () => {
    expect(localRun.code).toBe(0);
    expect(localReport.sources).toMatchObject({ cli: 1, workers: 0, apis: 0 });
    expect(localReport.models).toEqual([expect.stringMatching(/^tiny-softmax@/)]);
    expect(localReport.throughput.error_rate).toBe(0);
    expect(localReport.stages.find((s) => s.stage === 'tokenization')?.texts).toBe(150);
  });

  it('prints the readable report of a fleet by default, asking with the first of API_KEYS', async () => {
    const api = await fakeApi(200, localReport);
    const sut = await runCliCaptured(['profile', '--url', api.url], testEnv({ API_KEYS: 'first-key-123,second-key-456' }));
    expect(sut.code).toBe(0);
    expect(sut.stdout).toBe(`${formatProfileReport(localReport)}\n`);
    expect(api.auth).toEqual(['Bearer first-key-123']);
  });

  it('prints the report as one JSON line with --json, asking with --api-key when given', async () => {
    const api = await fakeApi(200, localReport);
    const sut = await runCliCaptured(
      ['profile', '--url', `${api.url}/`, '--api-key', 'flag-key-789', '--json'],
      testEnv({ API_KEYS: 'first-key-123' }),
    );
    expect(sut.code).toBe(0);
    expect(sut.stdout.split('\n')).toHaveLength(2);
    expect(JSON.parse(sut.stdout)).toEqual(localReport);
    expect(api.auth).toEqual(['Bearer flag-key-789']);
  });

  it("passes on the fleet's own error code (exit 1)", async () => {
    const api = await fakeApi(403, { error: { code: 'FORBIDDEN', message: 'Invalid API key' } });
    const sut = await runCliCaptured(['profile', '--url', api.url, '--api-key', 'wrong-key-000']);
    expect(sut.code).toBe(1);
    expect(sut.stderr).toBe(`emo: FORBIDDEN: GET ${api.url}/v1/profile: 403 Invalid API key\n`);
  });

  it('says how to start a fleet when none answers (QUEUE_UNAVAILABLE, exit 1)', async () => {
    const api = await fakeApi(200, {});
    await new Promise((r) => server?.close(r));
    server = undefined;
    const sut = await runCliCaptured(['profile', '--url', api.url]);
    expect(sut.code).toBe(1);
    expect(sut.stderr).toMatch(
      new RegExp(
        `^emo: QUEUE_UNAVAILABLE: could not reach the fleet API at ${api.url} \\(.*\\); pass --url or start it with \`emo serve all\`\\n$`,
      ),
    );
  });

  it('refuses a --url that is not an http(s) URL as a usage error', async () => {
    const sut = await runCliCaptured(['profile', '--url', 'localhost:8080']);
    expect(sut).toEqual({
      code: 2,
      stdout: '',
      stderr: 'emo: CLI_USAGE: --url must be a URL such as http://localhost:8080, got localhost:8080\n',
    });
  });

  it.each(['abc', '0', '-5'])('refuses --timeout %s as a usage error, not as an unreachable fleet', async (timeout) => {
    const sut = await runCliCaptured(['profile', '--timeout', timeout, '--url', 'http://127.0.0.1:9']);
    expect(sut).toEqual({
      code: 2,
      stdout: '',
      stderr: `emo: CLI_USAGE: --timeout must be a positive integer of milliseconds, got ${timeout}\n`,
    });
  });

  it('names a --local file that cannot be read (exit 2)', async () => {
    const sut = await runCliCaptured(['profile', '--local', join(dir, 'missing.txt')]);
    expect(sut.code).toBe(2);
    expect(sut.stderr).toMatch(/^emo: CLI_USAGE: cannot read .*missing\.txt: ENOENT[^\n]*\n$/);
  });
});
