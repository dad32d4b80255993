// `emo eval --data FILE.tsv`: GoEmotions TSV (text \t label ids \t id) → macro/micro F1 and
// per-label precision/recall/F1 with the model's own thresholds. With `--taxonomy ekman|sentiment`
// the coarse view is scored against data labelled in that taxonomy, whose ids index its group
// names in alphabetical order (as the Ekman split's labels.txt: anger, disgust, fear, joy, neutral,
// sadness, surprise).
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import {
  AppError,
  groupNames,
  isRecordError,
  parseTaxonomy,
  readRecords,
  type InputRecord,
  isItemError,
  type Taxonomy,
} from '@emo/contracts';
import { multilabelMetrics } from '@emo/inference';
import type { CliContext } from '../cli-context';
import { checkInputFile } from '../input/input-file';
import { renderTable } from '../output/table';

interface EvalFlags {
  data: string;
  json?: boolean;
  model?: string;
  precision?: string;
  taxonomy?: string;
}

export function registerEval(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('evaluate the model on a GoEmotions-format TSV (text, label ids, id)')
    .requiredOption('--data <file>', 'TSV file without header: text \\t comma-separated label ids \\t id')
    .option('--json', 'print the report as JSON')
    .option('--model <dir>', 'model bundle directory')
    .option('--precision <p>', 'fp32|int8|fp16 variant of the model')
    .option(
      '--taxonomy <t>',
      "goemotions (default) | ekman | sentiment: score that view; a coarse one's label ids index its group names sorted",
    )
    .action(async (flags: EvalFlags) => {
      const taxonomy = parseTaxonomy(flags.taxonomy);
      checkInputFile(flags.data, '--data');
      const rows: InputRecord[] = [];
      const gold: (number[] | undefined)[] = [];
      const problems: LineProblem[] = [];
      const input = createReadStream(flags.data).on('error', () => undefined);
      try {
        for await (const r of readRecords(input, 'tsv', { textField: 'text', idField: 'id', columns: ['text', 'labels', 'id'] })) {
          if (isRecordError(r)) problems.push({ line: r.line, problem: r.error.message });
          else {
            const ids = parseLabelIds(r.fields.labels);
            if (!ids) problems.push({ line: r.line, problem: labelColumnProblem(r.fields.labels) });
            rows.push(r);
            gold.push(ids);
          }
        }
      } catch (e) {
        throw new AppError('CLI_USAGE', `cannot read --data ${flags.data}: ${(e as Error).message}`);
      }
      if (rows.length === 0 && problems.length === 0) throw new AppError('EVAL_LABELS_INVALID', `${flags.data} has no rows to evaluate`);
      const lines = rows.length + countRecordErrors(problems, rows);
      // No line with label ids at all: refused before the model loads.
      if (new Set(problems.map((p) => p.line)).size >= lines) refuse(flags.data, problems, lines);
      const engine = await ctx.engine(flags);
      try {
        const labels = evalLabels(taxonomy, engine.bundle.labels);
        // An id the model does not have is another label set (e.g. the Ekman split): refused, not scored as a miss.
        rows.forEach((r, i) => {
          const unknown = gold[i]?.filter((id) => id >= labels.length) ?? [];
          if (unknown.length > 0)
            problems.push({
              line: r.line,
              problem: `label id${unknown.length > 1 ? 's' : ''} ${unknown.join(',')} ${unknown.length > 1 ? 'are' : 'is'} not one of ${engine.modelId}'s ${labels.length} labels (0-${labels.length - 1})`,
            });
        });
        if (problems.length > 0) refuse(flags.data, problems, lines);
        const outcomes = await engine.classify(
          rows.map((r) => r.text),
          { taxonomy },
        );
        const unsupported = outcomes.find((o) => isItemError(o) && o.error.code === 'TAXONOMY_UNSUPPORTED');
        if (unsupported && isItemError(unsupported)) throw new AppError('TAXONOMY_UNSUPPORTED', unsupported.error.message);
        const predicted = outcomes.map((o) => new Set(isItemError(o) ? [] : o.labels.map((l) => labels.indexOf(l.label))));
        const report = {
          model: engine.modelId,
          taxonomy,
          ...multilabelMetrics(
            labels,
            gold.map((ids) => new Set(ids ?? [])),
            predicted,
          ),
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
          return;
        }
        const table = renderTable(
          ['label', 'precision', 'recall', 'f1', 'support'],
          Object.entries(report.per_label).map(([l, m]) => [
            l,
            m.precision.toFixed(3),
            m.recall.toFixed(3),
            m.f1.toFixed(3),
            String(m.support),
          ]),
        );
        process.stdout.write(
          `${table}\n\nn=${report.n}  macro_f1=${report.macro_f1.toFixed(4)}  micro_f1=${report.micro_f1.toFixed(4)}  model=${report.model}${taxonomy === 'goemotions' ? '' : `  taxonomy=${taxonomy}`}\n`,
        );
      } finally {
        await engine.close();
      }
    });
}

interface LineProblem {
  readonly line: number;
  readonly problem: string;
}

/** Most lines named one by one before the refusal; the rest are counted. */
const MAX_LINES_SHOWN = 20;

const labelColumnProblem = (value: unknown) =>
  value === undefined || value === ''
    ? 'no label ids (the second column must be comma-separated label ids)'
    : `the second column must be comma-separated label ids, got ${JSON.stringify(value)}`;

/** Lines that did not even parse as rows (they are problems, not rows). */
const countRecordErrors = (problems: readonly LineProblem[], rows: readonly InputRecord[]) => {
  const rowLines = new Set(rows.map((r) => r.line));
  return new Set(problems.filter((p) => !rowLines.has(p.line)).map((p) => p.line)).size;
};

/**
 * Names every bad line (`FILE:LINE: problem` on stderr, in line order, up to MAX_LINES_SHOWN), then
 * refuses the data as EVAL_LABELS_INVALID (exit 2): scores over a file without usable labels (or
 * with another label set mixed in) would be a number that means nothing.
 */
function refuse(file: string, problems: readonly LineProblem[], lines: number): never {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const shown = sorted.slice(0, MAX_LINES_SHOWN).map((p) => `${file}:${p.line}: ${p.problem}\n`);
  const more = sorted.length > MAX_LINES_SHOWN ? [`${file}: … and ${sorted.length - MAX_LINES_SHOWN} more lines\n`] : [];
  process.stderr.write([...shown, ...more].join(''));
  const bad = new Set(sorted.map((p) => p.line)).size;
  throw new AppError(
    'EVAL_LABELS_INVALID',
    bad >= lines
      ? `${file}: none of its ${lines} lines has usable gold label ids; eval needs GoEmotions TSV (text \\t label ids \\t id)`
      : `${file}: ${bad} of ${lines} lines have no usable gold label ids (listed above); fix or drop them to evaluate`,
  );
}

/** The labels gold ids index: the model's own, or a coarse taxonomy's group names sorted (the released Ekman split's order). */
export function evalLabels(taxonomy: Taxonomy, modelLabels: readonly string[]): readonly string[] {
  return taxonomy === 'goemotions' ? modelLabels : [...groupNames(taxonomy)].sort();
}

/** The gold label ids of a row: "2" or "3,17"; undefined when the column is missing or not ids. */
export function parseLabelIds(value: unknown): number[] | undefined {
  if (typeof value !== 'string' || !/^\d+(,\d+)*$/.test(value.trim())) return undefined;
  return value.trim().split(',').map(Number);
}
