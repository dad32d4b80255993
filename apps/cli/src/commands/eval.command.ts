// `emo eval --data FILE.tsv`: GoEmotions TSV (text \t label ids \t id) → macro/micro F1 and
// per-label precision/recall/F1 with the model's own thresholds.
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { AppError, isRecordError, readRecords, type InputRecord, isItemError } from '@emo/contracts';
import { multilabelMetrics } from '@emo/inference';
import type { CliContext } from '../cli-context';
import { renderTable } from '../output/table';

interface EvalFlags {
  data: string;
  json?: boolean;
  model?: string;
  precision?: string;
}

export function registerEval(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('evaluate the model on a GoEmotions-format TSV (text, label ids, id)')
    .requiredOption('--data <file>', 'TSV file without header: text \\t comma-separated label ids \\t id')
    .option('--json', 'print the report as JSON')
    .option('--model <dir>', 'model bundle directory')
    .option('--precision <p>', 'fp32|int8|fp16 variant of the model')
    .action(async (flags: EvalFlags) => {
      const rows: InputRecord[] = [];
      const gold: number[][] = [];
      const input = createReadStream(flags.data).on('error', () => undefined);
      try {
        for await (const r of readRecords(input, 'tsv', { textField: 'text', idField: 'id', columns: ['text', 'labels', 'id'] })) {
          if (isRecordError(r)) throw new AppError('LINE_MALFORMED', `${flags.data}:${r.line}: ${r.error.message}`);
          const ids = parseLabelIds(r.fields.labels);
          if (!ids)
            throw new AppError(
              'LINE_MALFORMED',
              `${flags.data}:${r.line}: the second column must be comma-separated label ids, got ${JSON.stringify(r.fields.labels ?? '')}`,
            );
          rows.push(r);
          gold.push(ids);
        }
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw new AppError('CLI_USAGE', `cannot read --data ${flags.data}: ${(e as Error).message}`);
      }
      const engine = await ctx.engine(flags);
      try {
        const labels = engine.bundle.labels;
        // An id the model does not have is another label set (e.g. the Ekman split): refused, not scored as a miss.
        const stranger = gold.findIndex((ids) => ids.some((id) => id >= labels.length));
        if (stranger >= 0)
          throw new AppError(
            'LINE_MALFORMED',
            `${flags.data}:${rows[stranger].line}: label id ${Math.max(...gold[stranger])} is not one of ${engine.modelId}'s ${labels.length} labels (0-${labels.length - 1})`,
          );
        const outcomes = await engine.classify(rows.map((r) => r.text));
        const predicted = outcomes.map((o) => new Set(isItemError(o) ? [] : o.labels.map((l) => labels.indexOf(l.label))));
        const report = {
          model: engine.modelId,
          ...multilabelMetrics(
            labels,
            gold.map((ids) => new Set(ids)),
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
          `${table}\n\nn=${report.n}  macro_f1=${report.macro_f1.toFixed(4)}  micro_f1=${report.micro_f1.toFixed(4)}  model=${report.model}\n`,
        );
      } finally {
        await engine.close();
      }
    });
}

/** The gold label ids of a row: "2" or "3,17"; undefined when the column is missing or not ids. */
export function parseLabelIds(value: unknown): number[] | undefined {
  if (typeof value !== 'string' || !/^\d+(,\d+)*$/.test(value.trim())) return undefined;
  return value.trim().split(',').map(Number);
}
