// `emo config`: the effective configuration (secrets masked), or `--docs` for the README table.
import type { Command } from 'commander';
import { configDocRows, type AppConfig } from '@emo/config';
import type { CliContext } from '../cli-context';

const SECRET = /KEY|PASSWORD|TOKEN|SECRET/i;
const URL_WITH_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i; // the userinfo: up to the last @ of the authority

export function registerConfig(program: Command, ctx: CliContext): void {
  program
    .command('config')
    .description('print the effective configuration (validated), or the settings table with --docs')
    .option('--docs', 'markdown table of every setting: variable, default, meaning')
    .action((flags: { docs?: boolean }) => {
      if (flags.docs) {
        process.stdout.write(`| variable | default | meaning |\n| --- | --- | --- |\n${configDocRows().join('\n')}\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify(maskSecrets(ctx.config()), null, 2)}\n`);
    });
}

/** The config by section with secrets masked: API keys, and the credentials of a URL (redis://user:pass@host). */
export function maskSecrets(config: AppConfig): Record<string, Record<string, unknown>> {
  const mask = (key: string, value: unknown): unknown => {
    // Secrets are strings: a number named so (batchMaxTokens) is a setting to show.
    if (SECRET.test(key) && (typeof value === 'string' || Array.isArray(value)))
      return Array.isArray(value) ? value.map(() => '***') : '***';
    if (typeof value === 'string' && URL_WITH_CREDENTIALS.test(value)) return value.replace(URL_WITH_CREDENTIALS, '$1***@');
    return value;
  };
  return Object.fromEntries(
    Object.entries(config).map(([section, values]) => [
      section,
      Object.fromEntries(Object.entries(values).map(([k, v]) => [k, mask(k, v)])),
    ]),
  );
}
