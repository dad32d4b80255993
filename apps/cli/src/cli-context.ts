// What every command needs: the validated config (with flag overrides), a logger, an engine.
// The engine answers through the result cache: L1 only by default (no Redis needed), plus the
// Redis L2 when CACHE_CLI_L2=true (see docs/cache.md).
import { createResultCache, modelIdentityOf, withResultCache, type ResultCacheHandle } from '@emo/cache';
import { loadConfig, type AppConfig, type ConfigOverrides, type Env } from '@emo/config';
import { InferenceEngine, type EngineDeps } from '@emo/inference';
import { createLogger, type Logger } from '@emo/profiler';

export interface EngineFlags {
  model?: string;
  precision?: string;
}

export class CliContext {
  private cachedConfig?: AppConfig;
  private cachedLogger?: Logger;

  constructor(private readonly env?: Env) {}

  config(overrides: ConfigOverrides = {}): AppConfig {
    if (Object.keys(overrides).length > 0) return loadConfig(this.env, overrides);
    this.cachedConfig ??= loadConfig(this.env);
    return this.cachedConfig;
  }

  get logger(): Logger {
    this.cachedLogger ??= createLogger({ level: this.config().runtime.logLevel, name: 'emo-cli' });
    return this.cachedLogger;
  }

  /** An engine for the model/precision flags (falling back to MODEL_DIR / the default model). */
  async engine(flags: EngineFlags = {}, overrides: ConfigOverrides = {}, deps: EngineDeps = {}): Promise<InferenceEngine> {
    const config = this.config({
      ...overrides,
      ...(flags.model ? { modelDir: flags.model } : {}),
      ...(flags.precision ? { precision: flags.precision } : {}),
    });
    const engine = await InferenceEngine.create(config, { onWarning: (m) => this.logger.warn(m), ...deps });
    this.logger.debug({ model: engine.modelId, provider: engine.provider, cachedOptimizedModel: engine.optimizedModelFromCache }, 'engine ready');
    const handle = await this.resultCache(engine, config, config.cache.cacheL2Enabled && config.cache.cacheCliL2);
    return handle ? withResultCache(engine, handle.cache, () => handle.close()) : engine;
  }

  /** The result cache for an engine's model (undefined when CACHE_ENABLED=false). */
  async resultCache(engine: InferenceEngine, config: AppConfig, l2: boolean): Promise<ResultCacheHandle | undefined> {
    return createResultCache({ config, model: modelIdentityOf(engine, config.engine.precision), l2, logger: this.logger });
  }
}
