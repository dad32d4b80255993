// Asks this machine's ONNX Runtime whether its int8 GEMM (u8 activations × s8 weights, what
// DynamicQuantizeMatMul runs) is exact or saturates. x86 CPUs without VNNI use VPMADDUBSW, which
// sums pairs of products into a saturating int16: full-range (8-bit) weights can overflow it,
// reduced-range (7-bit) weights cannot. ORT documents this (quantization docs: reduce_range, U8S8
// on x86); we measure it instead of guessing from CPU flags, because the kernel is what counts.
// The probe graph is built by libs/onnx-tools (int8-kernel-probe-model.ts; a test keeps the bytes equal).
export const INT8_PROBE_MODEL_BASE64 =
  'CAgSKGVtby1mbGVldCBvbm54LXRvb2xzIChpbnQ4IGtlcm5lbCBwcm9iZSk61wIKXwoBYQoBdwoHd19zY2FsZQoMd196ZXJvX3BvaW50EgF5GhdEeW5hbWljUXVhbnRpemVNYXRNdWxfMCIVRHluYW1pY1F1YW50aXplTWF0TXVsOg1jb20ubWljcm9zb2Z0EhFpbnQ4X2tlcm5lbF9wcm9iZSqMAQhACAIQA0IBd0qAAX8/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/fz9/P38/KhEQAUIHd19zY2FsZUoEAACAPyoTEANCDHdfemVyb19wb2ludEoBAFoUCgFhEg8KDQgBEgkKAxIBbQoCCEBiFAoBeRIPCg0IARIJCgMSAW0KAggCQgQKABARQhEKDWNvbS5taWNyb3NvZnQQAQ==';

/** K of the probe graph: every activation quantizes to 255, weights are 127 (column 0) and 63 (column 1). */
const PROBE_K = 64;

export interface Int8KernelProbe {
  /** Full-range weights come out wrong (the u8s8 kernel saturates int16 pair sums: no VNNI). */
  readonly saturates: boolean;
  /** Observed / exact for full-range (8-bit) weights: 1 on exact kernels, about 0.51 when saturating. */
  readonly fullRangeRatio: number;
  /** Observed / exact for reduced-range (7-bit) weights: 1 on every x86 kernel. */
  readonly reducedRangeRatio: number;
}

let probe: Promise<Int8KernelProbe> | undefined;

/** Runs the probe once per process (a 333-byte graph, a few milliseconds) and remembers the answer. */
export function probeInt8Kernel(): Promise<Int8KernelProbe> {
  probe ??= runProbe();
  return probe;
}

async function runProbe(): Promise<Int8KernelProbe> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(Buffer.from(INT8_PROBE_MODEL_BASE64, 'base64'), {
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  try {
    const rows = 4;
    const out = await session.run({ a: new ort.Tensor('float32', new Float32Array(rows * PROBE_K).fill(1), [rows, PROBE_K]) });
    const y = out.y.data as Float32Array;
    // Exact: scale_a · scale_w · Σ 255·w = (1/255) · 1 · 255·w·K = w·K.
    let full = Number.POSITIVE_INFINITY;
    let reduced = Number.POSITIVE_INFINITY;
    for (let r = 0; r < rows; r++) {
      full = Math.min(full, y[r * 2] / (127 * PROBE_K));
      reduced = Math.min(reduced, y[r * 2 + 1] / (63 * PROBE_K));
    }
    // Float rounding moves the ratio by ~1e-7; saturation halves it.
    return { saturates: Math.abs(full - 1) > 1e-3, fullRangeRatio: full, reducedRangeRatio: reduced };
  } finally {
    await session.release();
  }
}
