// Engine config for specs: the schema's defaults (no environment, no config file) with flat-key
// overrides, and no optimized-model cache on disk unless the spec names a directory for it, so
// specs leave nothing behind in the working tree.
import { loadConfig, type ConfigOverrides } from '@emo/config';
import type { EngineConfigSections } from '../inference-engine';

export function engineTestConfig(overrides: ConfigOverrides = {}): EngineConfigSections {
  // fp32 unless a spec asks: the parity fixtures are float32 scores (PRECISION=auto would serve int8
  // here; precision-choice.spec tests that choice).
  const config = loadConfig({}, { precision: 'fp32', ...overrides });
  if (overrides.optimizedModelCacheDir !== undefined) return config;
  return { ...config, engine: { ...config.engine, optimizedModelCacheDir: undefined } };
}
