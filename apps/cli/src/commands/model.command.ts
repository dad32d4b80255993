// `emo model inspect DIR [--json]`: what a model bundle holds (graph inputs/outputs, labels,
// problem type, thresholds, tokenizer, variants) and what it lacks for serving, with the fix for
// each. Exit 0 when emo can serve it as it is; otherwise the report is still printed and the
// command fails (exit 1) with the code serving would fail with.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '@emo/contracts';
import { inspectBundle, type BundleInspection, type GraphSummary, type GraphTensor } from '@emo/model';
import type { CliContext } from '../cli-context';

export function registerModel(program: Command, _ctx: CliContext): void {
  const model = program.command('model').description('look at model bundles');
  model
    .command('inspect')
    .description('graph inputs/outputs, labels, problem type, thresholds, tokenizer, variants, and what is missing for serving')
    .argument('<dir>', 'bundle folder (model.onnx or onnx/model.onnx, config.json, tokenizer.json, …)')
    .option('--json', 'the report as one JSON object on stdout')
    .action(async (dir: string, flags: { json?: boolean }) => {
      if (!existsSync(dir)) throw new AppError('MODEL_NOT_FOUND', `Model directory not found: ${dir}`);
      const report = await inspectBundle(dir, readOnnxGraph);
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : inspectionText(report));
      const blocking = report.problems.find((p) => p.code);
      if (blocking?.code) throw new AppError(blocking.code, `${report.dir} cannot be served as it is: ${blocking.problem}`);
    });
}

const ELEM_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
};

/** The graph's real inputs (initializers listed as inputs by old exporters left out), outputs and default-domain opset. */
export async function readOnnxGraph(path: string): Promise<GraphSummary> {
  const { decodeModel, toNumber } = await import('@emo/onnx-tools');
  const model = decodeModel(await readFile(path));
  const initializers = new Set(model.graph.initializer.map((t) => t.name));
  const tensor = (v: {
    name?: string;
    type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: unknown; dim_param?: string }[] } } };
  }): GraphTensor => {
    const t = v.type?.tensor_type;
    return {
      name: v.name ?? '',
      type: ELEM_TYPES[t?.elem_type ?? 0] ?? `type ${t?.elem_type ?? '?'}`,
      dims: (t?.shape?.dim ?? []).map((d) =>
        d.dim_param ? d.dim_param : d.dim_value !== undefined && d.dim_value !== null ? toNumber(d.dim_value as number) : '?',
      ),
    };
  };
  const opset = model.opset_import.find((o) => !o.domain || o.domain === 'ai.onnx');
  return {
    inputs: model.graph.input.filter((i) => !initializers.has(i.name)).map(tensor),
    outputs: model.graph.output.map(tensor),
    opset: opset ? toNumber(opset.version) : undefined,
  };
}

/** The readable report. */
export function inspectionText(r: BundleInspection): string {
  const tensor = (t: GraphTensor) => `  ${t.name}: ${t.type} [${t.dims.join(', ')}]`;
  const lines = [`bundle ${r.dir}`];
  if (r.graph) {
    lines.push(`graph ${r.modelFile}${r.graph.opset ? ` (opset ${r.graph.opset})` : ''}`, ' inputs:', ...r.graph.inputs.map(tensor));
    lines.push(' outputs:', ...r.graph.outputs.map(tensor));
  } else lines.push(`graph ${r.modelFile ?? '(none)'}`);
  if (r.modelType) lines.push(`model_type ${r.modelType}`);
  lines.push(`problem_type ${r.problemType.value}${r.problemType.source === 'default' ? ' (default: config.json has none)' : ''}`);
  lines.push(`labels (${r.labels.length}): ${r.labels.map((l, i) => `${i}=${l}`).join(', ')}`);
  const version = r.thresholds.version ? `, version ${r.thresholds.version}` : '';
  lines.push(
    `thresholds (${r.thresholds.source}${version}): ${Object.entries(r.thresholds.values)
      .map(([l, t]) => `${l} ${t}`)
      .join(', ')}`,
  );
  const tok = r.tokenizer;
  lines.push(
    `tokenizer tokenizer.json ${tok.tokenizerJson ? `found (${tok.model ?? 'unknown model'})` : 'MISSING'}, tokenizer_config.json ${tok.tokenizerConfig ? `found (pad_token ${tok.padToken ?? 'not set'})` : 'missing'}`,
  );
  lines.push(
    `variants: ${r.variants.map((v) => `${v.precision} ${v.dir === r.dir ? v.file : `${v.dir}/${v.file}`} (${v.source})`).join('; ') || '(none)'}`,
  );
  if (r.benchmarkOnly) lines.push('benchmark_only: true (random weights)');
  lines.push(r.servable ? 'servable: yes' : 'servable: NO');
  for (const p of r.problems) lines.push(`${p.code ? `${p.code}: ` : 'note: '}${p.problem}\n  fix: ${p.fix}`);
  return `${lines.join('\n')}\n`;
}
