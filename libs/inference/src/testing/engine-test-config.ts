// Engine config for specs: the schema's defaults (no environment, no config file) with flat-key
// overrides, and no optimized-model cache on disk unless the spec names a directory for it, so
// specs leave nothing behind in the working tree.
import { loadConfig, type ConfigOverrides } from '@emo/config';
import type { EngineConfigSections } from '../inference-engine';

export function engineTestConfig(overrides: ConfigOverrides = {}): EngineConfigSections {
  const config = loadConfig({}, overrides);
  if (overrides.optimizedModelCacheDir !== undefined) return config;
  return { ...config, engine: { ...config.engine, optimizedModelCacheDir: undefined } };
}
