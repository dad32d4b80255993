// The API's tenant directory from the config: API_KEYS (and API_ADMIN_KEYS) alone give a fixed
// table; with API_KEYS_FILE the file's tenants join them and are re-read as the file changes.
import type { AppConfig } from '@emo/config';
import type { Logger } from '@emo/profiler';
import { KeysFileTenantDirectory } from './keys-file-tenant-directory';
import type { TenantDirectory } from './tenant-directory';
import { TenantKeyTable } from './tenant-key-table';

export type ClosableTenantDirectory = TenantDirectory & { close(): void };

export async function openTenantDirectory(config: Pick<AppConfig, 'api' | 'tenants'>, logger: Logger): Promise<ClosableTenantDirectory> {
  const file = config.api.apiKeysFile;
  if (!file) return Object.assign(TenantKeyTable.build(config), { close: () => undefined });
  const directory = await KeysFileTenantDirectory.open({ ...config, api: { ...config.api, apiKeysFile: file } }, { logger });
  return directory.start();
}
