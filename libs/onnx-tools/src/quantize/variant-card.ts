// The part of a variant's MODEL_CARD.md that `emo quantize` writes: how the variant was made and
// every accuracy gate it went through, each with the CPU and int8 kernel it was measured on
// (int8 results depend on the kernel: x86 without VNNI saturates full-range weights).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GateRecord, Provenance } from './quantize-bundle';

const MARKER = '<!-- written by emo quantize: everything below is regenerated -->';

export async function writeVariantCard(dir: string, provenance: Provenance): Promise<void> {
  const path = join(dir, 'MODEL_CARD.md');
  const existing = await readFile(path, 'utf8').catch(() => `# ${provenance.source.name} (${provenance.mode})\n`);
  const head = existing.includes(MARKER) ? existing.slice(0, existing.indexOf(MARKER)) : `${existing.trimEnd()}\n\n`;
  await writeFile(path, `${head}${MARKER}\n${renderVariantSection(provenance)}`);
}

export function renderVariantSection(p: Provenance): string {
  const options = p.options as { reduceRange?: boolean; reduceRangeMode?: string; perChannel?: string; ops?: string };
  const lines = [
    `## This bundle: the ${p.mode} variant`,
    '',
    `Written by \`emo quantize\` (${p.tool} ${p.tool_version}, ONNX Runtime ${p.onnxruntime}) from ${p.source.name}@${p.source.revision}`,
    `(model sha256 ${p.source.model_sha256.slice(0, 12)}…, ${fmtBytes(p.source.model_bytes)}) → model sha256 ${p.output.model_sha256.slice(0, 12)}…, ${fmtBytes(p.output.model_bytes)}.`,
  ];
  if (p.mode === 'int8') {
    lines.push(
      '',
      `Weights: ${options.reduceRange ? '**reduced range (7-bit)**: exact on every x86 int8 kernel, with or without VNNI' : '**full range (8-bit)**: exact only where the int8 kernel does not saturate (x86 with VNNI, ARM); served as float32 elsewhere (INT8_SATURATING_KERNEL)'}` +
        ` (\`--reduce-range ${options.reduceRangeMode ?? (options.reduceRange ? 'on' : 'off')}\`), per-column scales \`${options.perChannel ?? 'auto'}\`, ${options.ops ?? 'microsoft'} ops. Details: \`quantization.json\`.`,
    );
  }
  lines.push('', '### Accuracy gate', '', 'Against the float32 model on the same texts, on each machine it was run on:', '');
  lines.push(
    '| when | CPU | SIMD flags | int8 kernel | texts | label agreement | macro-F1 Δ | max score diff | verdict |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const g of [p.gate, ...(p.checks ?? [])]) lines.push(gateRow(g));
  lines.push(
    '',
    `Thresholds: agreement ≥ ${p.gate.thresholds.minLabelAgreement}, macro-F1 drop ≤ ${p.gate.thresholds.maxMacroF1Drop}, max score diff ≤ ${p.gate.thresholds.maxScoreDiff}.`,
    'The int8 kernel column is measured by a probe (a product that saturates int16 pair sums), not read from CPU flags; under an',
    'emulator the flags describe the host. Re-run the gate on your own machine: `emo quantize --check --out <this dir> [--record]`.',
    '',
  );
  return lines.join('\n');
}

function gateRow(g: GateRecord): string {
  const m = g.metrics;
  const machine = g.machine;
  const kernel = machine
    ? machine.int8_kernel.saturates
      ? `saturating (${machine.int8_kernel.fullRangeRatio.toFixed(3)}×)`
      : 'exact'
    : 'not recorded';
  // A saturating kernel on a CPU whose flags claim VNNI: the flags are the host's (an emulator such as qemu-user).
  const flags =
    machine && machine.vnni && machine.int8_kernel.saturates
      ? `${machine.simd.join(' ')} (host flags; the emulated CPU has no VNNI)`
      : (machine?.simd.join(' ') ?? '');
  const verdict = g.passed ? 'passed' : `failed${g.forced ? ' (forced)' : ''}: ${g.failures.join('; ')}`;
  return `| ${(g.checked_at ?? '').slice(0, 10)} | ${machine?.model ?? 'not recorded'} | ${flags} | ${kernel} | ${m.n} | ${m.label_agreement.toFixed(4)} | ${m.macro_f1_delta.toFixed(4)} | ${m.max_score_diff.toFixed(4)} | ${verdict} |`;
}

const fmtBytes = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
