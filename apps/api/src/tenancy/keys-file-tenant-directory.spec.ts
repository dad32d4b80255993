import { createHash } from 'node:crypto';
import { loadConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeysFileTenantDirectory } from './keys-file-tenant-directory';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const fileWith = (tenants: { id: string; keys: string[]; scopes?: string[] }[]) =>
  JSON.stringify({
    tenants: tenants.map((t) => ({ id: t.id, scopes: t.scopes ?? ['jobs'], keys: t.keys.map((k) => ({ sha256: sha(k) })) })),
  });

function fixture(first: string, env: Record<string, string> = {}) {
  const file = { text: first as string | Error };
  const logger = { info: vi.fn(), error: vi.fn(), warn: vi.fn() };
  const read = vi.fn(async () => {
    if (file.text instanceof Error) throw file.text;
    return file.text;
  });
  const config = loadConfig({ API_KEYS_FILE: '/etc/emo/keys.json', ...env }) as Parameters<typeof KeysFileTenantDirectory.open>[0];
  return { file, logger, read, open: () => KeysFileTenantDirectory.open(config, { logger: logger as unknown as Logger, read }) };
}

const tenantIdOf = (sut: KeysFileTenantDirectory, key: string) =>
  sut.entries().find((e) => e.keySha256.toString('hex') === sha(key))?.tenant.id;

describe(KeysFileTenantDirectory.name, () => {
  afterEach(() => vi.useRealTimers());

  describe('open', () => {
    it('refuses to start on an invalid or unreadable keys file (CONFIG_INVALID)', async () => {
      await expect(fixture('{"tenants": [{"id": "a"}]}').open()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      const missing = fixture('');
      missing.file.text = Object.assign(new Error('no such file'), { code: 'ENOENT' });
      await expect(missing.open()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('ENOENT') });
    });
  });

  describe('check', () => {
    it('takes a changed file at the next check: a new key works, a removed key stops working', async () => {
      const f = fixture(fileWith([{ id: 'team-a', keys: ['a-key-00000001'] }]));
      const sut = await f.open();
      expect(tenantIdOf(sut, 'a-key-00000001')).toBe('team-a');
      expect(await sut.check()).toBe('unchanged');

      f.file.text = fileWith([{ id: 'team-b', keys: ['b-key-00000001'] }]);
      // Nothing changes until the check runs: the table is swapped there, whole.
      expect(tenantIdOf(sut, 'b-key-00000001')).toBeUndefined();
      expect(await sut.check()).toBe('reloaded');
      expect(tenantIdOf(sut, 'b-key-00000001')).toBe('team-b');
      expect(tenantIdOf(sut, 'a-key-00000001')).toBeUndefined();
      expect(f.logger.info).toHaveBeenCalledWith({ file: '/etc/emo/keys.json', keys: 1 }, 'keys file reloaded');
    });

    it('keeps the last valid version when the new one is invalid or unreadable, and logs each bad version once', async () => {
      const f = fixture(fileWith([{ id: 'team-a', keys: ['a-key-00000001'] }]));
      const sut = await f.open();
      f.file.text = JSON.stringify({ tenants: [{ id: 'team-a', scopes: ['jobs'], keys: [{ key: 'a-key-00000002' }] }] });
      expect(await sut.check()).toBe('invalid');
      expect(await sut.check()).toBe('unchanged'); // the same bad version: not reported again
      expect(tenantIdOf(sut, 'a-key-00000001')).toBe('team-a');
      expect(f.logger.error).toHaveBeenCalledTimes(1);
      const [report, message] = f.logger.error.mock.calls[0] as [{ problems: { at: string }[] }, string];
      expect(message).toBe('keys file rejected: keeping the last valid version');
      expect(report.problems.map((p) => p.at)).toEqual(['tenants[0].keys[0].key']);
      expect(JSON.stringify(report)).not.toContain('a-key-00000002');

      f.file.text = Object.assign(new Error('gone'), { code: 'ENOENT' });
      expect(await sut.check()).toBe('invalid');
      expect(tenantIdOf(sut, 'a-key-00000001')).toBe('team-a');
      expect(f.logger.error).toHaveBeenCalledTimes(2);

      f.file.text = fileWith([{ id: 'team-a', keys: ['a-key-00000003'] }]);
      expect(await sut.check()).toBe('reloaded');
      expect(tenantIdOf(sut, 'a-key-00000003')).toBe('team-a');
    });
  });

  describe('start', () => {
    it('checks every API_KEYS_RELOAD_MS until closed, and never with 0', async () => {
      vi.useFakeTimers();
      const f = fixture(fileWith([{ id: 'team-a', keys: ['a-key-00000001'] }]), { API_KEYS_RELOAD_MS: '1000' });
      const sut = (await f.open()).start();
      expect(f.read).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(3000);
      expect(f.read).toHaveBeenCalledTimes(4);
      sut.close();
      await vi.advanceTimersByTimeAsync(3000);
      expect(f.read).toHaveBeenCalledTimes(4);

      const never = fixture(fileWith([]), { API_KEYS_RELOAD_MS: '0' });
      const off = (await never.open()).start();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(never.read).toHaveBeenCalledTimes(1);
      off.close();
    });
  });
});
