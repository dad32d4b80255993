// Issue 15 (1), tenants and scopes through the API on the real Redis: keys of API_KEYS have no
// admin scope unless API_ADMIN_KEYS lists them; a keys-file tenant's key authenticates with its
// scopes; a changed keys file takes effect at the next reload check (no restart), a bad one is
// ignored; an invalid keys file stops the start.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TEST_API_KEY, testAuth, useApiTestHarness } from '../testing/api-test-harness';
import { TENANTS } from '../tokens';
import type { KeysFileTenantDirectory } from './keys-file-tenant-directory';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const dir = mkdtempSync(join(tmpdir(), 'emo-keys-'));

function keysFile(yaml: string): string {
  const path = join(dir, `keys-${randomUUID().slice(0, 8)}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

const tenantYaml = (id: string, scopes: string[], keys: string[]) =>
  [`  - id: ${id}`, `    scopes: [${scopes.join(', ')}]`, '    keys:', ...keys.map((k) => `      - sha256: ${sha(k)}`)].join('\n');

describe.skipIf(!inject('redisAvailable'))('Tenants and scopes (issue 15)', () => {
  const harness = useApiTestHarness('tenancy', { API_KEYS_RELOAD_MS: '0' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const get = (url: string, headers: Record<string, string>) => harness.request({ method: 'GET', url, headers });
  const codeOf = async (url: string, headers: Record<string, string>) => {
    const res = await get(url, headers);
    return `${res.statusCode} ${res.statusCode >= 400 ? res.json().error.code : ''}`.trim();
  };

  describe('keys of API_KEYS', () => {
    it('reach the admin routes only when API_ADMIN_KEYS lists them', async () => {
      await harness.start();
      for (const url of ['/v1/profile', '/v1/cache/stats', '/v1/jobs/some-job/trace'])
        expect(await codeOf(url, testAuth), url).toBe('403 SCOPE_MISSING');
      // Their own routes stay open to them.
      expect(await codeOf('/v1/jobs/no-such-job', testAuth)).toBe('404 JOB_NOT_FOUND');
    });

    it('an admin key of API_ADMIN_KEYS reads the profile and the cache stats', async () => {
      await harness.start({ API_ADMIN_KEYS: TEST_API_KEY });
      expect(await codeOf('/v1/profile', testAuth)).toBe('200');
      expect(await codeOf('/v1/cache/stats', testAuth)).toBe('200');
    });
  });

  describe('the keys file', () => {
    it("authenticates a tenant's keys with the tenant's scopes, next to API_KEYS", async () => {
      const path = keysFile(
        ['tenants:', tenantYaml('team-a', ['classify'], ['team-a-key-0001']), tenantYaml('ops', ['admin'], ['ops-key-0001'])].join('\n'),
      );
      await harness.start({ API_KEYS_FILE: path });
      expect(await codeOf('/v1/jobs/no-such-job', bearer('team-a-key-0001'))).toBe('403 SCOPE_MISSING');
      expect(await codeOf('/v1/profile', bearer('team-a-key-0001'))).toBe('403 SCOPE_MISSING');
      expect(await codeOf('/v1/profile', bearer('ops-key-0001'))).toBe('200');
      expect(await codeOf('/v1/jobs/no-such-job', testAuth)).toBe('404 JOB_NOT_FOUND');
      expect(await codeOf('/v1/jobs/no-such-job', bearer('unknown-key-0001'))).toBe('403 FORBIDDEN');
    });

    it('takes a changed file at the next reload check, without a restart, and keeps the last good one over a bad one', async () => {
      const path = keysFile(['tenants:', tenantYaml('team-a', ['jobs'], ['team-a-key-0001'])].join('\n'));
      const api = await harness.start({ API_KEYS_FILE: path });
      const directory = api.app.get<KeysFileTenantDirectory>(TENANTS);
      expect(await codeOf('/v1/jobs/no-such-job', bearer('team-a-key-0001'))).toBe('404 JOB_NOT_FOUND');

      writeFileSync(path, ['tenants:', tenantYaml('team-a', ['jobs'], ['team-a-key-0002'])].join('\n'));
      expect(await directory.check()).toBe('reloaded');
      expect(await codeOf('/v1/jobs/no-such-job', bearer('team-a-key-0001'))).toBe('403 FORBIDDEN');
      expect(await codeOf('/v1/jobs/no-such-job', bearer('team-a-key-0002'))).toBe('404 JOB_NOT_FOUND');

      writeFileSync(path, 'tenants:\n  - id: team-a\n    scopes: [jobs]\n    keys:\n      - key: team-a-key-0003\n');
      expect(await directory.check()).toBe('invalid');
      expect(await codeOf('/v1/jobs/no-such-job', bearer('team-a-key-0002'))).toBe('404 JOB_NOT_FOUND');
      expect(await codeOf('/v1/jobs/no-such-job', bearer('team-a-key-0003'))).toBe('403 FORBIDDEN');
    });

    it('a keys file listing no tenant refuses every other key rather than opening the API', async () => {
      await harness.start({ API_KEYS: '', API_KEYS_FILE: keysFile('tenants: []\n') });
      expect(await codeOf('/v1/profile', {})).toBe('401 UNAUTHORIZED');
      expect(await codeOf('/v1/profile', bearer('anything-0001'))).toBe('403 FORBIDDEN');
    });

    it('stops the start when the file is invalid (CONFIG_INVALID naming the problem)', async () => {
      const path = keysFile('tenants:\n  - id: Team A\n    scopes: [jobs]\n    keys: []\n');
      await expect(harness.start({ API_KEYS_FILE: path })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('tenants[0].id'),
      });
    });
  });
});
