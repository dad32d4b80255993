import { createHash } from 'node:crypto';
import { loadConfig, parseKeysFile } from '@emo/config';
import { AppError } from '@emo/contracts';
import { describe, expect, it } from 'vitest';
import { TenantKeyTable } from './tenant-key-table';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const tenantOf = (sut: TenantKeyTable, key: string) => sut.entries().find((e) => e.keySha256.toString('hex') === sha(key))?.tenant;
const scopesOf = (sut: TenantKeyTable, key: string) => [...(tenantOf(sut, key)?.scopes ?? [])].sort();

describe(TenantKeyTable.name, () => {
  describe('build', () => {
    it('makes each key of API_KEYS its own tenant with classify, jobs and backfills, and no admin unless API_ADMIN_KEYS lists it', () => {
      const sut = TenantKeyTable.build(
        loadConfig({ API_KEYS: 'key-a-00000001,key-b-00000002', API_ADMIN_KEYS: 'key-b-00000002', TENANT_RATE_LIMIT_TEXTS_PER_S: '50' }),
      );
      expect(tenantOf(sut, 'key-a-00000001')?.id).toBe(`key-${sha('key-a-00000001').slice(0, 12)}`);
      expect(scopesOf(sut, 'key-a-00000001')).toEqual(['backfills', 'classify', 'jobs']);
      expect(scopesOf(sut, 'key-b-00000002')).toEqual(['admin', 'backfills', 'classify', 'jobs']);
      expect(tenantOf(sut, 'key-a-00000001')?.limits).toEqual({ textsPerSecond: 50, maxQueuedTexts: 0, weight: 1 });
      expect(sut.defaultTenant()).toBeUndefined();
    });

    it("adds the keys file's tenants with their scopes and limits, defaults from env for the limits they leave out", () => {
      const file = parseKeysFile(
        JSON.stringify({
          tenants: [
            {
              id: 'team-a',
              scopes: ['classify'],
              limits: { texts_per_s: 10, weight: 3 },
              keys: [{ sha256: sha('a1-key-0001') }, { sha256: sha('a2-key-0002') }],
            },
            { id: 'ops', scopes: ['admin'], keys: [{ sha256: sha('ops-key-0001') }] },
          ],
        }),
        'keys.json',
      );
      const sut = TenantKeyTable.build(loadConfig({ API_KEYS_FILE: 'keys.json', TENANT_MAX_QUEUED_TEXTS: '5000' }), file);
      expect(tenantOf(sut, 'a1-key-0001')).toBe(tenantOf(sut, 'a2-key-0002'));
      expect(tenantOf(sut, 'a1-key-0001')).toMatchObject({ id: 'team-a', limits: { textsPerSecond: 10, maxQueuedTexts: 5000, weight: 3 } });
      expect(scopesOf(sut, 'a1-key-0001')).toEqual(['classify']);
      expect(tenantOf(sut, 'ops-key-0001')).toMatchObject({ id: 'ops', limits: { textsPerSecond: 0, maxQueuedTexts: 5000, weight: 1 } });
      expect(scopesOf(sut, 'ops-key-0001')).toEqual(['admin']);
    });

    it('is open (the default tenant with every scope) only with no API_KEYS and no API_KEYS_FILE', () => {
      const open = TenantKeyTable.build(loadConfig({}));
      expect(open.defaultTenant()).toMatchObject({ id: 'default' });
      expect([...open.defaultTenant()!.scopes].sort()).toEqual(['admin', 'backfills', 'classify', 'jobs']);
      // A keys file with no tenant refuses every key; it never opens the API.
      const empty = TenantKeyTable.build(loadConfig({ API_KEYS_FILE: 'keys.yaml' }), parseKeysFile('tenants: []', 'keys.yaml'));
      expect(empty.defaultTenant()).toBeUndefined();
      expect(empty.entries()).toEqual([]);
    });

    it('refuses a key or a tenant id that is both in API_KEYS and in the keys file', () => {
      const envKey = 'key-a-00000001';
      const file = parseKeysFile(
        JSON.stringify({
          tenants: [
            { id: 'team-a', scopes: ['jobs'], keys: [{ sha256: sha(envKey), name: 'old' }] },
            { id: `key-${sha(envKey).slice(0, 12)}`, scopes: ['jobs'], keys: [] },
          ],
        }),
        'keys.json',
      );
      let error: AppError | undefined;
      try {
        TenantKeyTable.build(loadConfig({ API_KEYS: envKey, API_KEYS_FILE: 'keys.json' }), file);
      } catch (e) {
        error = e as AppError;
      }
      expect(error?.code).toBe('CONFIG_INVALID');
      expect((error?.details as { problems: string[] }).problems).toEqual([
        'a key of tenant "team-a" (old) is also in API_KEYS',
        `tenant id "key-${sha(envKey).slice(0, 12)}" is also the tenant of a key of API_KEYS`,
      ]);
      expect(error?.message).not.toContain(envKey);
    });
  });
});
