// `emo bench SUITE [--json] [--quick]`: benchmarks from bench/. Progress on stderr; with --json the
// last stdout line is one JSON object of named figures. --quick shrinks every input (texts, rounds,
// samples) so a suite runs in seconds while still running every variant and printing every figure
// (the CI smoke test of the harness; its numbers are not measurements). The suites load on demand
// (bench/run-bench.ts), so other commands never pay for ONNX tooling, Nest or BullMQ.
import type { Command } from 'commander';
import { AppError } from '@emo/contracts';
import type { CliContext } from '../cli-context';

export interface BenchFlags {
  json?: boolean;
  quick?: boolean;
  data?: string;
  limit?: string;
  lines?: string;
  runs?: string;
  texts?: string;
  bTexts?: string;
  calls?: string;
  warmUpCalls?: string;
  messages?: string;
  repeats?: string;
  requests?: string;
  model?: string;
  models?: string;
  variants?: string;
  levels?: string;
  batches?: string;
  threads?: string;
  seq?: string;
  provider?: string;
  minutes?: string;
  concurrency?: string;
  workers?: string;
  targets?: string;
  jobTexts?: string;
  against?: string;
  rounds?: string;
}

export const SUITES = [
  'engine',
  'backfill-local',
  'model',
  'batching',
  'cache',
  'fleet',
  'profiler',
  'scale',
  'backfill',
  'soak',
  'fairness',
  'interactive',
  'control-plane',
] as const;

// Sizes have no commander defaults: an explicit flag wins over --quick's size, and the suite's
// full-size default applies otherwise (the defaults are in run-bench.ts, shown here in the help).
export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description(`run a benchmark suite: ${SUITES.join(', ')}`)
    .argument('<suite>', SUITES.join('|'))
    .option('--json', 'print the figures as one JSON object (last stdout line)')
    .option('--quick', 'tiny inputs: every variant and figure in seconds (a smoke test; the numbers mean nothing)')
    .option(
      '--data <file>',
      'GoEmotions TSV to draw texts from (default: the ../shared dev split; cache, fleet, scale and the backfills: train; --quick: dev)',
    )
    .option('--limit <n>', 'texts to use (engine, batching, profiler; default 2000)')
    .option('--repeats <n>', 'timed rounds per variant; medians are reported (default 3; profiler: at least 9)')
    .option('--requests <n>', 'batching: interactive requests timed under bulk load (default 200)')
    .option('--lines <n>', 'messages in the generated chat log (backfill-local, backfill; default 100000)')
    .option(
      '--runs <list>',
      'backfill: which runs, comma-separated: engine,local,1,2,mixed (fleet workers; mixed: 1 worker + interactive calls; default engine,1,2; --quick: all)',
    )
    .option('--messages <n>', 'messages in the generated chat-log workload (cache; default 20000)')
    .option('--model <dir>', 'model bundle directory')
    .option(
      '--texts <n>',
      "texts in the bulk job (fleet: 50000; scale: 20000; control-plane: per configuration, 10000); fairness: lines of tenant A's backfill (200000)",
    )
    .option('--b-texts <n>', "fairness: texts of tenant B's bulk job (default 5000)")
    .option(
      '--calls <n>',
      'single-text /v1/classify calls timed (fleet: 200; interactive: per concurrency level, 8000, and 1000 at concurrency 1 unless given)',
    )
    .option(
      '--warm-up-calls <n>',
      "interactive: untimed calls at each level's concurrency, on texts of their own, before its timed ones (default 4000, and 100 at concurrency 1)",
    )
    .option(
      '--models <list>',
      'model: comma-separated "default", "roberta-base-shaped" or bundle dirs (default: default,roberta-base-shaped; --quick: default and a tiny RoBERTa-shaped model)',
    )
    .option('--variants <list>', 'model: fp32,int8,fp16 (default fp32,int8 on cpu; fp32,fp16 on cuda)')
    .option('--levels <list>', 'model: graph optimization levels (disabled,basic,extended,all; default basic,all)')
    .option('--batches <list>', 'model: batch sizes (default 1,32)')
    .option('--threads <list>', 'model: intra-op thread counts (default 1,2)')
    .option('--seq <n>', 'model: tokens per row (default 64)')
    .option('--minutes <n>', 'soak: minutes of load (fractions allowed; default 30, --quick: 0.15)')
    .option(
      '--concurrency <list>',
      'interactive: closed-loop clients per level, comma-separated (default 1,16,64,256); control-plane: bulk jobs in flight (default 8; --quick: 2)',
    )
    .option('--workers <list>', 'control-plane: worker processes per configuration, comma-separated (default 1,4,16; --quick: 1,2)')
    .option('--targets <list>', 'control-plane: single,cluster (a private redis-server; a private 3-master Redis Cluster; default both)')
    .option('--job-texts <n>', 'control-plane: texts per bulk job (default 1000; --quick: 100)')
    .option(
      '--against <dir>',
      'interactive, fleet: another checkout (built: its bin/emo.js) whose fleet gets the same texts in alternating rounds; adds cN_vs_against_* (interactive) or fleet_vs_against (fleet)',
    )
    .option(
      '--rounds <n>',
      'fleet: parts of the timed texts, each run by the fleet, the --against fleet and the engine in a rotating order (default 1; 4 with --against); interactive with --against: rounds per level (default 4)',
    )
    .option('--provider <p>', 'model: cpu|cuda', 'cpu')
    .action(async (suite: string, flags: BenchFlags) => {
      // Before the suites load (ONNX tooling, Nest, BullMQ: seconds), so a typo answers at once.
      if (!(SUITES as readonly string[]).includes(suite))
        throw new AppError('CLI_USAGE', `unknown bench suite "${suite}"; allowed: ${SUITES.join(', ')}`);
      const { runBench } = await import('./bench/run-bench');
      await runBench(suite, flags, ctx);
    });
}
