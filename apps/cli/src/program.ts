// The `emo` command tree. Each command lives in its own file under commands/ and registers here.
import { Command, CommanderError } from 'commander';
import { AppError } from '@emo/contracts';
import { CliContext } from './cli-context';
import { registerBackfill } from './commands/backfill.command';
import { registerBench } from './commands/bench.command';
import { registerCache } from './commands/cache.command';
import { registerClassify } from './commands/classify.command';
import { registerConfig } from './commands/config.command';
import { registerEval } from './commands/eval.command';
import { registerModel } from './commands/model.command';
import { registerProfile } from './commands/profile.command';
import { registerQuantize } from './commands/quantize.command';
import { registerServe } from './commands/serve.command';

export function buildProgram(ctx = new CliContext()): Command {
  const program = new Command('emo')
    .description('Emotion classification for streams of human text (GoEmotions: 27 emotions + neutral)')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(QUIET_ERRORS)
    .option('--allow-benchmark-model', 'serve a benchmark_only bundle (random weights: random labels) in classify, backfill, eval, serve')
    .hook('preAction', (self) => {
      if (self.opts<{ allowBenchmarkModel?: boolean }>().allowBenchmarkModel) ctx.setGlobalOverrides({ allowBenchmarkModel: true });
    });
  registerClassify(program, ctx);
  registerBackfill(program, ctx);
  registerEval(program, ctx);
  registerQuantize(program, ctx);
  registerBench(program, ctx);
  registerServe(program, ctx);
  registerCache(program, ctx);
  registerConfig(program, ctx);
  registerProfile(program, ctx);
  registerModel(program, ctx);
  quietErrors(program.commands);
  return program;
}

// Errors become one `emo: CODE: message` line in runCli; commander prints none itself, nor the
// help it shows on stderr when a command is missing (the line names the allowed commands).
const QUIET_ERRORS = { outputError: () => undefined, writeErr: () => undefined };

function quietErrors(commands: readonly Command[]): void {
  for (const command of commands) {
    command.exitOverride().configureOutput(QUIET_ERRORS);
    quietErrors(command.commands);
  }
}

/** Errors the user fixes in what they gave (flags, settings, input data): exit 2, not 1. */
const USAGE_CODES: ReadonlySet<string> = new Set(['CLI_USAGE', 'CONFIG_INVALID', 'EVAL_LABELS_INVALID', 'TAXONOMY_UNKNOWN']);

/** Runs the CLI; returns the exit code (0 ok, 1 runtime error, 2 usage or configuration error). */
export async function runCli(argv: readonly string[], ctx?: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`emo: ${usageMessage(program, e, argv)}\n`);
      return 2;
    }
    const err = AppError.fromPlain(e);
    process.stderr.write(`emo: ${err.code}: ${err.message}\n`);
    return USAGE_CODES.has(err.code) ? 2 : 1;
  }
}

function usageMessage(program: Command, e: CommanderError, argv: readonly string[]): string {
  const { command, rest } = commandOf(program, argv);
  const subcommands = command.commands.map((c) => c.name());
  if (e.code === 'commander.help') {
    // `emo`, `emo cache` (commander shows help, silenced here, and throws with no message) or `emo help nope`.
    const unknown = rest.find((w) => w !== 'help');
    const what = unknown === undefined ? 'missing command' : `unknown command '${unknown}'`;
    return `CLI_USAGE: ${what}; allowed: ${subcommands.join(', ')} (see ${command === program ? 'emo' : `emo ${command.name()}`} --help)`;
  }
  const message = e.message
    .replace(/^error: /, '')
    .replace(/\n/g, ' ')
    .trim();
  if (e.code !== 'commander.unknownOption' && e.code !== 'commander.unknownCommand') return `CLI_USAGE: ${message}`;
  const allowed = e.code === 'commander.unknownCommand' ? subcommands : [...command.options.map((o) => o.long ?? o.short ?? ''), '--help'];
  return `CLI_USAGE: ${message}; allowed: ${allowed.filter(Boolean).join(', ')}`;
}

/** The (sub)command the arguments name (`emo cache stats --x` → stats, not cache nor a later word), and the words after it. */
function commandOf(program: Command, argv: readonly string[]): { command: Command; rest: string[] } {
  let command = program;
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  let i = 0;
  for (; i < words.length; i++) {
    const sub = command.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]));
    if (!sub) break;
    command = sub;
  }
  return { command, rest: words.slice(i) };
}
