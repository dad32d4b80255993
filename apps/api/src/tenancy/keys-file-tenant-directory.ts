// The tenants of API_KEYS_FILE, kept current without a restart: every API_KEYS_RELOAD_MS the file
// is read again and, when its text changed, parsed and validated; a valid version replaces the
// whole table at once (a request sees the old or the new one, never a mix), an invalid or
// unreadable one is logged once with its problems and the last good version stays. A removed key
// stops working at the first check after the change. The timer is unref'd and stopped by close().
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { type AppConfig, parseKeysFile } from '@emo/config';
import { AppError, type Tenant } from '@emo/contracts';
import type { Logger } from '@emo/profiler';
import type { TenantDirectory, TenantKeyEntry } from './tenant-directory';
import { TenantKeyTable } from './tenant-key-table';

type DirectoryConfig = Pick<AppConfig, 'api' | 'tenants'> & { readonly api: { readonly apiKeysFile: string } };

export interface KeysFileDirectoryDeps {
  readonly logger: Logger;
  /** Reads the file's text (fs by default; tests change what it returns). */
  readonly read?: (path: string) => Promise<string>;
}

/** What one check did. */
export type KeysFileCheck = 'unchanged' | 'reloaded' | 'invalid';

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

export class KeysFileTenantDirectory implements TenantDirectory {
  private timer: NodeJS.Timeout | undefined;
  /** Digest of the last text looked at, valid or not: a bad version is reported once, not every tick. */
  private seen: string;
  private checking: Promise<KeysFileCheck> | undefined;

  private constructor(
    private readonly config: DirectoryConfig,
    private readonly deps: Required<KeysFileDirectoryDeps>,
    private table: TenantKeyTable,
    seen: string,
  ) {
    this.seen = seen;
  }

  /** Reads the file once; an unreadable or invalid file at start is CONFIG_INVALID (the API does not start). */
  static async open(config: DirectoryConfig, deps: KeysFileDirectoryDeps): Promise<KeysFileTenantDirectory> {
    const read = deps.read ?? ((path: string) => readFile(path, 'utf8'));
    const path = config.api.apiKeysFile;
    const text = await read(path).catch((e: NodeJS.ErrnoException) => {
      throw new AppError('CONFIG_INVALID', `Invalid keys file API_KEYS_FILE=${path}: cannot be read (${e.code ?? e.message})`);
    });
    const table = TenantKeyTable.build(config, parseKeysFile(text, path));
    return new KeysFileTenantDirectory(config, { logger: deps.logger, read }, table, digestOf(text));
  }

  entries(): readonly TenantKeyEntry[] {
    return this.table.entries();
  }

  defaultTenant(): Tenant | undefined {
    return this.table.defaultTenant();
  }

  /** Checks the file every API_KEYS_RELOAD_MS (0: never). */
  start(): this {
    const every = this.config.api.apiKeysReloadMs;
    if (every > 0 && !this.timer) {
      this.timer = setInterval(() => void this.check(), every);
      this.timer.unref();
    }
    return this;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reload check (the timer's tick); concurrent calls share one read. Never throws. */
  check(): Promise<KeysFileCheck> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<KeysFileCheck> {
    const path = this.config.api.apiKeysFile;
    let text: string;
    try {
      text = await this.deps.read(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      return this.invalid(`unreadable:${code}`, { file: path, problems: [{ at: '(file)', problem: `cannot be read (${code})` }] });
    }
    const digest = digestOf(text);
    if (digest === this.seen) return 'unchanged';
    try {
      this.table = TenantKeyTable.build(this.config, parseKeysFile(text, path));
    } catch (e) {
      const details = e instanceof AppError ? (e.details as { problems?: unknown } | undefined) : undefined;
      return this.invalid(digest, { file: path, problems: details?.problems ?? (e as Error).message });
    }
    this.seen = digest;
    this.deps.logger.info({ file: path, keys: this.table.entries().length }, 'keys file reloaded');
    return 'reloaded';
  }

  private invalid(seen: string, report: Record<string, unknown>): KeysFileCheck {
    if (seen !== this.seen) this.deps.logger.error(report, 'keys file rejected: keeping the last valid version');
    this.seen = seen;
    return 'invalid';
  }
}
