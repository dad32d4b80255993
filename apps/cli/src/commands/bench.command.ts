// `emo bench SUITE [--json]`: benchmarks from bench/. Progress on stderr; with --json the last
// stdout line is one JSON object of named figures. The suites load on demand (bench/run-bench.ts),
// so other commands never pay for ONNX tooling, Nest or BullMQ.
import type { Command } from 'commander';
import type { CliContext } from '../cli-context';

export interface BenchFlags {
  json?: boolean;
  data?: string;
  limit?: string;
  lines?: string;
  runs?: string;
  texts?: string;
  calls?: string;
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
}

export const SUITES = ['engine', 'backfill-local', 'model', 'batching', 'cache', 'fleet', 'profiler', 'scale', 'backfill'] as const;

export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description(`run a benchmark suite: ${SUITES.join(', ')}`)
    .argument('<suite>', SUITES.join('|'))
    .option('--json', 'print the figures as one JSON object (last stdout line)')
    .option('--data <file>', 'GoEmotions TSV to draw texts from (default: ../shared dev split)')
    .option('--limit <n>', 'texts to use (engine)', '2000')
    .option('--repeats <n>', 'timed rounds per variant; medians are reported', '3')
    .option('--requests <n>', 'batching: interactive requests timed under bulk load', '200')
    .option('--lines <n>', 'messages in the generated chat log (backfill-local, backfill)', '100000')
    .option('--runs <list>', 'backfill: which runs, comma-separated: engine,local,1,2,mixed (fleet workers; mixed: 1 worker + interactive calls)', 'engine,1,2')
    .option('--messages <n>', 'messages in the generated chat-log workload (cache)', '20000')
    .option('--model <dir>', 'model bundle directory')
    .option('--texts <n>', 'texts in the bulk job (fleet)', '50000')
    .option('--calls <n>', 'single-text /v1/classify calls timed (fleet)', '200')
    .option('--models <list>', 'model: comma-separated "default", "roberta-base-shaped" or bundle dirs (default: default,roberta-base-shaped)')
    .option('--variants <list>', 'model: fp32,int8,fp16 (default fp32,int8 on cpu; fp32,fp16 on cuda)')
    .option('--levels <list>', 'model: graph optimization levels (disabled,basic,extended,all; default basic,all)')
    .option('--batches <list>', 'model: batch sizes (default 1,32)')
    .option('--threads <list>', 'model: intra-op thread counts (default 1,2)')
    .option('--seq <n>', 'model: tokens per row (default 64)')
    .option('--provider <p>', 'model: cpu|cuda', 'cpu')
    .action(async (suite: string, flags: BenchFlags) => {
      const { runBench } = await import('./bench/run-bench');
      await runBench(suite, flags, ctx);
    });
}
