import { describe, expect, it } from 'vitest';
import { providerFallbackRefusal } from './provider-readiness';

describe(providerFallbackRefusal.name, () => {
  const cudaMissing = { requested: ['cuda', 'cpu'], provider: 'cpu', failures: ['cuda: Failed to load shared library'] };

  it('refuses a fallback from the preferred provider, naming it, the reason and the setting that allows it', () => {
    const sut = providerFallbackRefusal({ ...cudaMissing, allowCpuFallback: false });
    expect(sut?.code).toBe('PROVIDER_FALLBACK_REFUSED');
    expect(sut?.retryable).toBe(false);
    expect(sut?.message).toMatch(/EXECUTION_PROVIDERS=cuda,cpu but cuda did not load \(cuda: Failed to load shared library\)/);
    expect(sut?.message).toMatch(/ALLOW_CPU_FALLBACK=true/);
  });

  it('accepts the fallback when the operator allows it, and the preferred provider whenever it loaded', () => {
    expect(providerFallbackRefusal({ ...cudaMissing, allowCpuFallback: true })).toBeUndefined();
    expect(
      providerFallbackRefusal({ requested: ['cuda', 'cpu'], provider: 'cuda', failures: [], allowCpuFallback: false }),
    ).toBeUndefined();
    expect(providerFallbackRefusal({ requested: ['cpu'], provider: 'cpu', failures: [], allowCpuFallback: false })).toBeUndefined();
  });
});
