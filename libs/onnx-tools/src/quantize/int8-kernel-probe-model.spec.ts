import { describe, expect, it } from 'vitest';
import { INT8_PROBE_MODEL_BASE64 } from '@emo/inference';
import { encodeModel } from '../proto/onnx-codec';
import { buildInt8KernelProbeModel } from './int8-kernel-probe-model';

describe(buildInt8KernelProbeModel.name, () => {
  it('builds exactly the graph the runtime probe carries (regenerate INT8_PROBE_MODEL_BASE64 when this changes)', () => {
    expect(Buffer.from(encodeModel(buildInt8KernelProbeModel())).toString('base64')).toBe(INT8_PROBE_MODEL_BASE64);
  });
});
