// `emo config`: the effective configuration (secrets masked), or `--docs` for the README table.
import type { Command } from 'commander';
import { configDocRows } from '@emo/config';
import type { CliContext } from '../cli-context';

const SECRET = /KEY|PASSWORD|TOKEN|SECRET/i;

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
      const config = ctx.config();
      const shown = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, SECRET.test(k) && Array.isArray(v) ? v.map(() => '***') : v]));
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    });
}
