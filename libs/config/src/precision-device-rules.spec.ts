import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from './load-config';
import { checkPrecisionForProviders, enforcePrecisionForProviders } from './precision-device-rules';

describe('checkPrecisionForProviders', () => {
  const defaults = loadConfig({}).onnx;

  it('warns by default for int8 on CUDA and fp16 on CPU, and passes the suited pairs', () => {
    expect(checkPrecisionForProviders('int8', ['cuda', 'cpu'], defaults).verdict).toBe('warn');
    expect(checkPrecisionForProviders('fp16', ['cpu'], defaults).verdict).toBe('warn');
    expect(checkPrecisionForProviders('int8', ['cpu'], defaults)).toEqual({ verdict: 'ok' });
    expect(checkPrecisionForProviders('fp16', ['cuda', 'cpu'], defaults)).toEqual({ verdict: 'ok' });
    expect(checkPrecisionForProviders('fp32', ['cuda'], defaults)).toEqual({ verdict: 'ok' });
  });

  it('follows INT8_ON_CUDA and FP16_ON_CPU', () => {
    const config = loadConfig({ INT8_ON_CUDA: 'refuse', FP16_ON_CPU: 'allow' }).onnx;
    expect(checkPrecisionForProviders('int8', ['cuda'], config).verdict).toBe('refuse');
    expect(checkPrecisionForProviders('fp16', ['cpu'], config).verdict).toBe('ok');
    expect(() => loadConfig({ INT8_ON_CUDA: 'maybe' })).toThrow(/INT8_ON_CUDA/);
  });
});

describe('enforcePrecisionForProviders', () => {
  it('throws CONFIG_INVALID on refuse and reports a warning once on warn', () => {
    const warn = vi.fn();
    expect(() => enforcePrecisionForProviders('int8', ['cuda'], loadConfig({ INT8_ON_CUDA: 'refuse' }).onnx, warn)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    enforcePrecisionForProviders('int8', ['cuda'], loadConfig({}).onnx, warn);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/int8 on CUDA/);
  });
});
