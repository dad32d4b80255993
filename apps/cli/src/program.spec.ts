// The command tree as a user meets it: help for every command, and one `emo: CODE: message` line
// with exit code 2 for every kind of bad usage (nothing here loads a model).
import { describe, expect, it } from 'vitest';
import { buildProgram, runCli } from './program';
import { runCliCaptured, testEnv } from './testing/run-cli-captured';

const COMMANDS = ['classify', 'backfill', 'eval', 'quantize', 'bench', 'serve', 'cache', 'config', 'profile', 'model'];
const CACHE_COMMANDS = ['warm', 'stats', 'flush'];

/** Exit code 2 and exactly one stderr line, nothing on stdout. */
function expectUsageLine(run: { code: number; stdout: string; stderr: string }): string {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe(runCli.name, () => {
  it('registers exactly the documented commands (each is covered below and by its own spec)', () => {
    const sut = buildProgram();
    expect(sut.commands.map((c) => c.name())).toEqual(COMMANDS);
    expect(sut.commands.find((c) => c.name() === 'cache')?.commands.map((c) => c.name())).toEqual(CACHE_COMMANDS);
  });

  describe('help', () => {
    it.each([...COMMANDS, ...CACHE_COMMANDS.map((c) => `cache ${c}`)])(
      'emo %s --help prints its usage on stdout and exits 0',
      async (command) => {
        const sut = await runCliCaptured([...command.split(' '), '--help']);
        expect(sut.code).toBe(0);
        expect(sut.stdout).toMatch(new RegExp(`^Usage: emo ${command} `));
        expect(sut.stdout).toContain('--help');
        expect(sut.stderr).toBe('');
      },
    );

    it('names every command in the top-level help', async () => {
      const sut = await runCliCaptured(['--help']);
      expect(sut.code).toBe(0);
      for (const c of COMMANDS) expect(sut.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    });

    it("emo help <command> prints that command's usage", async () => {
      const sut = await runCliCaptured(['help', 'backfill']);
      expect(sut.code).toBe(0);
      expect(sut.stdout).toMatch(/^Usage: emo backfill \[options\] <in>/);
    });

    it('prints the version with --version', async () => {
      const sut = await runCliCaptured(['--version']);
      expect(sut.code).toBe(0);
      expect(sut.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    });
  });

  describe('usage errors', () => {
    it('answers a missing command with one line naming the commands', async () => {
      const line = expectUsageLine(await runCliCaptured([]));
      expect(line).toBe(`emo: CLI_USAGE: missing command; allowed: ${COMMANDS.join(', ')} (see emo --help)`);
    });

    it('answers a missing cache subcommand with one line naming warm, stats and flush', async () => {
      const line = expectUsageLine(await runCliCaptured(['cache']));
      expect(line).toBe('emo: CLI_USAGE: missing command; allowed: warm, stats, flush (see emo cache --help)');
    });

    it('answers every command group called without a subcommand alike: exit 2, one line naming its subcommands, no help dump', async () => {
      const groups = buildProgram().commands.filter((c) => c.commands.length > 0);
      expect(groups.map((g) => g.name())).toContain('cache');
      for (const group of groups) {
        const line = expectUsageLine(await runCliCaptured([group.name()]));
        expect(line).toBe(
          `emo: CLI_USAGE: missing command; allowed: ${group.commands.map((c) => c.name()).join(', ')} (see emo ${group.name()} --help)`,
        );
        expect(line).not.toContain('outputHelp');
      }
    });

    it('answers help for an unknown command with one line naming the commands', async () => {
      expect(expectUsageLine(await runCliCaptured(['help', 'nope']))).toBe(
        `emo: CLI_USAGE: unknown command 'nope'; allowed: ${COMMANDS.join(', ')} (see emo --help)`,
      );
      expect(expectUsageLine(await runCliCaptured(['cache', 'help', 'nope']))).toBe(
        "emo: CLI_USAGE: unknown command 'nope'; allowed: warm, stats, flush (see emo cache --help)",
      );
    });

    it('names the options, --help included, for an unknown top-level option', async () => {
      expect(expectUsageLine(await runCliCaptured(['-x']))).toBe(
        "emo: CLI_USAGE: unknown option '-x'; allowed: --version, --allow-benchmark-model, --help",
      );
    });

    it('names the top-level commands for an unknown command', async () => {
      const line = expectUsageLine(await runCliCaptured(['clasify', 'x']));
      expect(line).toMatch(
        /^emo: CLI_USAGE: unknown command 'clasify'.*; allowed: classify, backfill, eval, quantize, bench, serve, cache, config, profile, model$/,
      );
    });

    it('names the cache subcommands (not the top-level ones) for an unknown cache subcommand', async () => {
      const line = expectUsageLine(await runCliCaptured(['cache', 'purge']));
      expect(line).toMatch(/^emo: CLI_USAGE: unknown command 'purge'.*; allowed: warm, stats, flush$/);
    });

    it('names the options of the subcommand used for an unknown option of a nested command', async () => {
      const line = expectUsageLine(await runCliCaptured(['cache', 'stats', '--bogus']));
      expect(line).toMatch(/^emo: CLI_USAGE: unknown option '--bogus'; allowed: .*--url, --api-key/);
    });

    it('takes the command from the first word, not from a later argument that names another command', async () => {
      const line = expectUsageLine(await runCliCaptured(['backfill', 'classify', '--bogus']));
      expect(line).toMatch(/^emo: CLI_USAGE: unknown option '--bogus'; allowed: .*--out.*--fleet/);
    });

    it.each([
      [['backfill'], "missing required argument 'in'"],
      [['serve'], "missing required argument 'role'"],
      [['bench'], "missing required argument 'suite'"],
      [['eval'], "required option '--data <file>' not specified"],
      [['quantize'], "required option '--out <dir>' not specified"],
      [['cache', 'warm'], "required option '--file <path>' not specified"],
      [['config', 'extra'], "too many arguments for 'config'"],
      [['backfill', 'in.ndjson', '--out'], "option '--out <file>' argument missing"],
    ])('emo %j → CLI_USAGE: %s', async (args, message) => {
      expect(expectUsageLine(await runCliCaptured(args))).toContain(`emo: CLI_USAGE: ${message}`);
    });

    it('rejects an unknown serve role before starting anything', async () => {
      expect(expectUsageLine(await runCliCaptured(['serve', 'proxy']))).toBe(
        'emo: CLI_USAGE: unknown role "proxy"; allowed: api, worker, all',
      );
    });

    it('rejects an invalid port for serve as a configuration error before starting anything', async () => {
      expect(expectUsageLine(await runCliCaptured(['serve', 'api', '--port', 'eighty']))).toMatch(/^emo: CONFIG_INVALID: .*PORT/);
    });
  });

  describe('configuration errors', () => {
    it('exits 2 with one line naming the bad variable and its allowed values', async () => {
      const line = expectUsageLine(await runCliCaptured(['config'], testEnv({ GRAPH_OPTIMIZATION_LEVEL: 'max' })));
      expect(line).toMatch(/^emo: CONFIG_INVALID: .*GRAPH_OPTIMIZATION_LEVEL: must be one of disabled\|basic\|extended\|all/);
    });
  });
});
