// Symmetric int8 quantization of weight matrices (zero point 0), per tensor or per column, and
// the choice between them: per-column costs nothing at run time in ORT's integer MatMul kernels,
// so it is taken whenever it actually lowers the reconstruction error.

export interface QuantizedWeight {
  readonly values: Int8Array;
  /** One scale (per tensor) or one per column. */
  readonly scales: Float32Array;
  readonly perChannel: boolean;
  /** Relative RMS error of the dequantized weights: ‖W − Ŵ‖ / ‖W‖. */
  readonly relativeError: number;
}

export type PerChannelPolicy = 'auto' | 'always' | 'never';

/** Per-channel wins in `auto` when it cuts the error by at least this fraction. */
const AUTO_MIN_GAIN = 0.1;

/**
 * Quantizes a row-major [rows, cols] matrix whose columns are the output channels (MatMul's B).
 * `qmax` 127 uses the full int8 range; 63 is ORT's "reduce_range" for x86 CPUs without VNNI,
 * where u8·s8 products can saturate int16 accumulators.
 */
export function quantizeColumns(w: Float32Array, rows: number, cols: number, policy: PerChannelPolicy, qmax = 127): QuantizedWeight {
  const perTensor = quantizeWith(w, rows, cols, [maxAbs(w, 0, w.length, 1)], qmax);
  if (policy === 'never') return perTensor;
  const colMax = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[base + c]);
      if (a > colMax[c]) colMax[c] = a;
    }
  }
  const perColumn = quantizeWith(w, rows, cols, Array.from(colMax), qmax);
  if (policy === 'always') return perColumn;
  return perColumn.relativeError <= perTensor.relativeError * (1 - AUTO_MIN_GAIN) ? perColumn : perTensor;
}

/** Per-row quantization of an embedding table [rows, cols] (a row is what one Gather reads). */
export function quantizeRows(w: Float32Array, rows: number, cols: number, qmax = 127): QuantizedWeight {
  const values = new Int8Array(w.length);
  const scales = new Float32Array(rows);
  let err = 0;
  let norm = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const scale = scaleFor(maxAbs(w, base, base + cols, 1), qmax);
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      const x = w[base + c];
      const q = clampRound(x / scale, qmax);
      values[base + c] = q;
      err += (x - q * scale) ** 2;
      norm += x * x;
    }
  }
  return { values, scales, perChannel: true, relativeError: norm > 0 ? Math.sqrt(err / norm) : 0 };
}

function quantizeWith(w: Float32Array, rows: number, cols: number, maxima: number[], qmax: number): QuantizedWeight {
  const scales = Float32Array.from(maxima, (m) => scaleFor(m, qmax));
  const values = new Int8Array(w.length);
  const perChannel = scales.length > 1;
  let err = 0;
  let norm = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const x = w[base + c];
      const scale = perChannel ? scales[c] : scales[0];
      const q = clampRound(x / scale, qmax);
      values[base + c] = q;
      err += (x - q * scale) ** 2;
      norm += x * x;
    }
  }
  return { values, scales, perChannel, relativeError: norm > 0 ? Math.sqrt(err / norm) : 0 };
}

function maxAbs(w: Float32Array, from: number, to: number, step: number): number {
  let m = 0;
  for (let i = from; i < to; i += step) {
    const a = Math.abs(w[i]);
    if (a > m) m = a;
  }
  return m;
}

/** An all-zero channel still needs a positive scale (ORT rejects 0). */
const scaleFor = (max: number, qmax: number): number => (max > 0 ? max / qmax : 1);

function clampRound(x: number, qmax: number): number {
  const q = Math.round(x);
  return q > qmax ? qmax : q < -qmax ? -qmax : q;
}

/** Transposes a row-major [rows, cols] matrix into [cols, rows] (Gemm transB weights → MatMul's B). */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}
