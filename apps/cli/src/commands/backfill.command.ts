// `emo backfill IN --out OUT`: local (embedded) backfill of a chat export. Streams the input,
// classifies in ordered windows, writes NDJSON results and a per-line errors file.
// With `--fleet URL --api-key KEY` the file is streamed to the fleet's POST /v1/backfills instead
// (resumable by --backfill-id; see docs/backfills.md) and the results are written the same way.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { AppError, formatFromPath, groupNames, parseTaxonomy, readRecords, type InputFormat, type Taxonomy } from '@emo/contracts';
import { classifyRecordsInOrder } from '@emo/inference';
import type { CliContext } from '../cli-context';
import { apiBaseUrl } from '../fleet/api-url';
import { fleetApiKey } from '../fleet/fleet-auth';
import { runFleetBackfill } from '../fleet/fleet-backfill';
import { countLines } from '../input/count-lines';
import { checkInputFile } from '../input/input-file';
import { BackfillSummary, hrtimeSeconds } from '../output/backfill-summary';
import { toOutputLine } from '../output/result-line';
import { TextProgress } from '../output/text-progress';

interface BackfillFlags {
  out?: string;
  errors?: string;
  format?: InputFormat;
  textField: string;
  idField?: string;
  columns?: string;
  json?: boolean;
  model?: string;
  precision?: string;
  scores?: boolean;
  window: string;
  progress: boolean;
  fleet?: string;
  apiKey?: string;
  backfillId?: string;
  passthrough?: string;
  taxonomy?: string;
}

export function registerBackfill(program: Command, ctx: CliContext): void {
  program
    .command('backfill')
    .description('classify a chat export (NDJSON, CSV or TSV) in-process, streaming')
    .argument('<in>', 'input file (- for stdin)')
    .option('--out <file>', 'NDJSON results (default: stdout)')
    .option('--errors <file>', 'per-line errors as NDJSON (default: <out>.errors.ndjson, or stderr)')
    .option('--format <f>', 'ndjson|csv|tsv (default: from the file extension)')
    .option('--text-field <f>', 'field or column holding the text', 'text')
    .option('--id-field <f>', 'field or column holding the message id (default: id)')
    .option('--columns <names>', 'comma-separated column names for CSV/TSV without a header row')
    .option('--scores', 'include every label score')
    .option(
      '--taxonomy <t>',
      "goemotions (the model's 28 labels, default) | ekman (Ekman's six + neutral) | sentiment (positive/negative/ambiguous/neutral)",
    )
    .option('--json', 'print the final summary as JSON on stdout (needs --out)')
    .option('--model <dir>', 'model bundle directory')
    .option('--precision <p>', 'fp32|int8|fp16 variant of the model')
    .option('--window <n>', 'texts per classification window', '512')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--fleet <url>', 'send the file to a fleet API (e.g. http://localhost:8080) instead of classifying in-process')
    .option('--api-key <key>', 'API key for --fleet (default: EMO_API_KEY)')
    .option(
      '--backfill-id <id>',
      'fleet backfill id; the same id resumes (default: derived from the file path, size, mtime and the field options)',
    )
    .option('--passthrough <fields>', 'with --fleet: comma-separated fields copied to each result (default: all but text and id)')
    .action(async (inPath: string, flags: BackfillFlags) => {
      const format = flags.format ?? formatFromPath(inPath);
      if (!['ndjson', 'csv', 'tsv'].includes(format)) throw new AppError('CLI_USAGE', `--format must be ndjson|csv|tsv, got ${format}`);
      const windowSize = Number(flags.window);
      if (!Number.isInteger(windowSize) || windowSize < 1)
        throw new AppError('CLI_USAGE', `--window must be a positive integer, got ${flags.window}`);
      if (flags.json && !flags.out) throw new AppError('CLI_USAGE', '--json needs --out (stdout would mix results and summary)');
      const taxonomy = parseTaxonomy(flags.taxonomy);
      if (flags.fleet) return backfillThroughFleet(ctx, inPath, format, flags, taxonomy);
      if (flags.apiKey || flags.backfillId || flags.passthrough)
        throw new AppError('CLI_USAGE', '--api-key, --backfill-id and --passthrough need --fleet');
      // Timed from here: the rate covers loading the model and reading, not only the last windows.
      const startedAt = hrtimeSeconds();
      checkInputFile(inPath);
      const { out, errOut } = await openOutputs(flags);
      let engine: Awaited<ReturnType<CliContext['engine']>>;
      try {
        engine = await ctx.engine(flags);
      } catch (e) {
        await Promise.all([endStream(out), endStream(errOut)]);
        throw e;
      }
      const summary = new BackfillSummary(
        taxonomy === 'goemotions' ? engine.bundle.labels : groupNames(taxonomy),
        hrtimeSeconds,
        startedAt,
      );
      const bar = flags.progress ? new TextProgress() : undefined;
      let linesDone = 0;
      const show = () => bar?.update({ done: linesDone, total: totalLines, textsPerSecond: summary.textsPerSecond() });
      // Lines in the file, counted beside the work: a count of lines done until it is known.
      let totalLines: number | undefined;
      if (bar && inPath !== '-')
        void countLines(inPath)
          .then((n) => {
            totalLines = n;
            show();
          })
          .catch(() => undefined);
      const input = inPath === '-' ? process.stdin : createReadStream(inPath, { highWaterMark: 256 * 1024 });
      bar?.start();
      try {
        const mapping = { textField: flags.textField, idField: flags.idField, columns: flags.columns?.split(',').map((c) => c.trim()) };
        const records = readRecords(input as AsyncIterable<Uint8Array>, format, mapping, {
          maxLineBytes: ctx.config().backfill.backfillMaxLineBytes,
        });
        const threads = ctx.config().engine.inferenceThreads;
        for await (const item of classifyRecordsInOrder(engine, records, {
          windowSize,
          maxWindowsInFlight: threads + 1,
          classify: { includeScores: flags.scores, priority: 'bulk', taxonomy },
        })) {
          const line = toOutputLine(item, engine.modelId, flags.idField);
          summary.add(line);
          // Input lines, not records: a CSV header or a quoted newline counts as the file's lines do.
          linesDone = Math.max(linesDone, line.line);
          const target = 'error' in line ? errOut : out;
          if (!target.write(`${JSON.stringify(line)}\n`)) await once(target, 'drain');
          if (summary.total % 256 === 0) show();
        }
        if (totalLines !== undefined) linesDone = totalLines;
        show();
      } finally {
        bar?.stop();
        await engine.close();
        await Promise.all([endStream(out), endStream(errOut)]);
      }
      const report = summary.report();
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stderr.write(summary.render(report));
    });
}

async function backfillThroughFleet(
  ctx: CliContext,
  inPath: string,
  format: InputFormat,
  flags: BackfillFlags,
  taxonomy: Taxonomy,
): Promise<void> {
  checkInputFile(inPath);
  const url = apiBaseUrl(flags.fleet as string, '--fleet');
  const { out, errOut } = await openOutputs(flags);
  let summary: BackfillSummary;
  try {
    summary = await runFleetBackfill({
      url: url.toString(),
      apiKey: fleetApiKey(flags.apiKey, ctx.config()),
      backfillId: flags.backfillId,
      inPath,
      query: {
        format,
        textField: flags.textField,
        idField: flags.idField,
        passthrough: flags.passthrough,
        columns: flags.columns,
        includeScores: flags.scores,
        // Only a coarse one: the derived backfill id of a goemotions run stays what it was.
        ...(taxonomy !== 'goemotions' ? { taxonomy } : {}),
      },
      out,
      errOut,
      progress: flags.progress,
      log: (m) => process.stderr.write(`${m}\n`),
    });
  } finally {
    await Promise.all([endStream(out), endStream(errOut)]);
  }
  const report = summary.report();
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stderr.write(summary.render(report));
}

/** Results to --out (default stdout), errors to --errors (default <out>.errors.ndjson, or stderr), both opened before any work. */
async function openOutputs(flags: BackfillFlags): Promise<{ out: Writable; errOut: Writable }> {
  const errPath = flags.errors ?? (flags.out ? `${flags.out}.errors.ndjson` : undefined);
  const out = flags.out ? await openFile(flags.out) : process.stdout;
  try {
    return { out, errOut: errPath ? await openFile(errPath) : process.stderr };
  } catch (e) {
    await endStream(out);
    throw e;
  }
}

/** A file stream that is open: an unwritable path is a usage error, not an unhandled stream error. */
async function openFile(path: string): Promise<Writable> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (e) {
    throw new AppError('CLI_USAGE', `cannot write ${path}: ${(e as Error).message}`);
  }
  return stream;
}

async function endStream(stream: Writable): Promise<void> {
  if (stream === process.stdout || stream === process.stderr) return;
  stream.end();
  await once(stream, 'finish');
}
