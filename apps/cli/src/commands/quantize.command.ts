// `emo quantize --model DIR --out DIR [--mode int8|fp16]`: writes the int8 (CPU) or fp16 (GPU)
// variant of a bundle as a complete bundle, after an accuracy gate against the original on a
// labelled dataset (refused below the QUANTIZE_* thresholds unless --force).
import type { Command } from 'commander';
import { enforcePrecisionForProviders } from '@emo/config';
import { AppError } from '@emo/contracts';
import { resolveModelDir } from '@emo/model';
import type { GateRecord, QuantizeBundleOptions, QuantizeMode, ReduceRangeMode } from '@emo/onnx-tools';
import type { CliContext } from '../cli-context';
import { renderTable } from '../output/table';

interface QuantizeFlags {
  model?: string;
  out: string;
  mode: string;
  force?: boolean;
  data?: string;
  limit?: string;
  json?: boolean;
  int8Ops: string;
  perChannel: string;
  embeddings?: boolean;
  reduceRange?: string | boolean;
  check?: boolean;
  record?: boolean;
  outputLayer?: boolean;
  exclude?: string;
  embeddingProjection?: boolean;
}

export function registerQuantize(program: Command, ctx: CliContext): void {
  program
    .command('quantize')
    .description('write an int8 (CPU) or fp16 (GPU) variant of a model bundle, gated on accuracy')
    .option('--model <dir>', 'source bundle (default: MODEL_DIR or the shipped model)')
    .requiredOption('--out <dir>', 'output bundle directory (new, empty, or an earlier quantize output)')
    .option('--mode <mode>', 'int8|fp16', 'int8')
    .option('--force', 'write the variant even if it fails the accuracy gate')
    .option('--data <file>', 'GoEmotions-format TSV for the accuracy gate (default: ../shared dev split)')
    .option('--limit <n>', 'evaluate on the first n texts only')
    .option('--int8-ops <ops>', 'int8 operators: microsoft (DynamicQuantizeMatMul) | onnx (MatMulInteger)', 'microsoft')
    .option('--per-channel <policy>', 'int8 per-column weight scales: auto|always|never', 'auto')
    .option('--embeddings', 'int8: quantize embedding tables too (smaller file)')
    .option(
      '--reduce-range [mode]',
      "int8 weights: on = 7-bit, exact on every x86 CPU (default); off = 8-bit, exact only with VNNI (or ARM); auto = off where this CPU's int8 kernel is exact, else on",
      'on',
    )
    .option('--check', 're-run the accuracy gate of the existing variant in --out on this machine (nothing is written unless --record)')
    .option('--record', 'with --check: append the result to its quantization.json and model card')
    .option('--exclude <names>', 'int8: comma-separated node or weight names to keep in float')
    .option('--embedding-projection', 'int8: quantize layers fed straight by an embedding lookup too (kept float by default)')
    .option('--output-layer', 'int8: quantize the layer that produces the logits too (kept float by default)')
    .option('--json', 'print quantization.json on stdout')
    .action(async (flags: QuantizeFlags) => {
      if (flags.record && !flags.check)
        throw new AppError('CLI_USAGE', '--record needs --check (it records the result of re-running the gate)');
      // Loaded on demand: ONNX tooling (protobuf, ORT) is not needed by the other commands.
      const { checkVariant, goEmotionsSplit, quantizeBundle } = await import('@emo/onnx-tools');
      const mode = oneOf(flags.mode, ['int8', 'fp16'] as const, '--mode') as QuantizeMode;
      const config = ctx.config(flags.model ? { modelDir: flags.model } : {});
      // The variant is meant for the configured providers: int8 suits CPUs, fp16 GPUs.
      enforcePrecisionForProviders(mode, config.engine.executionProviders, config.onnx, (m) => ctx.logger.warn(m));
      const thresholds = {
        minLabelAgreement: config.onnx.quantizeMinLabelAgreement,
        maxMacroF1Drop: config.onnx.quantizeMaxMacroF1Drop,
        maxScoreDiff: mode === 'int8' ? config.onnx.quantizeInt8MaxScoreDiff : config.onnx.quantizeFp16MaxScoreDiff,
      };
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new AppError('CLI_USAGE', `--limit must be a positive integer, got ${flags.limit}`);
      const log = (m: string) => process.stderr.write(`${m}\n`);
      if (flags.check) {
        const record = await checkVariant({
          variantDir: flags.out,
          modelDir: flags.model,
          dataPath: flags.data ?? goEmotionsSplit('dev'),
          limit,
          thresholds,
          config,
          record: flags.record === true,
          log,
        });
        printGate(record, flags.json === true);
        if (!record.passed)
          throw new AppError('ACCURACY_GATE_FAILED', `${flags.out} fails its accuracy gate on this machine: ${record.failures.join('; ')}`);
        return;
      }
      const int8: QuantizeBundleOptions['int8'] = {
        ops: oneOf(flags.int8Ops, ['microsoft', 'onnx'] as const, '--int8-ops'),
        perChannel: oneOf(flags.perChannel, ['auto', 'always', 'never'] as const, '--per-channel'),
        embeddings: flags.embeddings === true,
        reduceRange:
          flags.reduceRange === true
            ? 'on'
            : (oneOf(String(flags.reduceRange), ['on', 'off', 'auto'] as const, '--reduce-range') as ReduceRangeMode),
        keepOutputLayer: flags.outputLayer !== true,
        keepEmbeddingProjection: flags.embeddingProjection !== true,
        exclude: flags.exclude
          ?.split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      };
      const provenance = await quantizeBundle({
        modelDir: resolveModelDir(config.engine.modelDir),
        outDir: flags.out,
        mode,
        force: flags.force === true,
        dataPath: flags.data ?? goEmotionsSplit('dev'),
        limit,
        int8,
        thresholds,
        config,
        log,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(provenance)}\n`);
        return;
      }
      const verdict = provenance.gate.passed ? 'passed' : `FAILED, written because of --force: ${provenance.gate.failures.join('; ')}`;
      printGate(provenance.gate, false);
      process.stdout.write(
        `\n${mode} variant of ${provenance.source.name}@${provenance.source.revision} → ${flags.out} ` +
          `(${(provenance.source.model_bytes / 1e6).toFixed(1)} MB → ${(provenance.output.model_bytes / 1e6).toFixed(1)} MB); gate on ${provenance.gate.metrics.n} texts ${verdict}\n`,
      );
    });
}

function printGate(gate: GateRecord, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(gate)}\n`);
    return;
  }
  const m = gate.metrics;
  const t = gate.thresholds;
  const kernel = gate.machine.int8_kernel.saturates
    ? `saturating (${gate.machine.int8_kernel.fullRangeRatio.toFixed(3)}x on full-range weights)`
    : 'exact';
  const table = renderTable(
    ['check', 'value', 'threshold'],
    [
      ['label-set agreement', m.label_agreement.toFixed(4), `>= ${t.minLabelAgreement}`],
      ['macro-F1 delta', m.macro_f1_delta.toFixed(4), `>= -${t.maxMacroF1Drop}`],
      ['max score difference', m.max_score_diff.toFixed(4), `<= ${t.maxScoreDiff}`],
      ['mean |score difference|', m.mean_abs_score_diff.toExponential(2), ''],
    ],
  );
  process.stdout.write(
    `${table}\n\nmeasured on ${gate.machine.model} (${gate.machine.simd.join(' ') || 'no SIMD flags read'}); int8 kernel ${kernel}\n`,
  );
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new AppError('CLI_USAGE', `${flag} must be one of ${allowed.join('|')}, got ${value}`);
  return value as T;
}
