// What every command needs: the validated config (with flag overrides), a logger, an engine.
// Commands classify through the result cache in front of the engine: L1 only by default (no Redis
// needed), plus the Redis L2 when CACHE_CLI_L2=true (see docs/cache.md).
import { createResultCache, modelIdentityOf, type ResultCacheHandle } from '@emo/cache';
import type { Classifier } from '@emo/contracts';
import { loadConfig, type AppConfig, type ConfigOverrides, type Env } from '@emo/config';
import { InferenceEngine, type EngineDeps } from '@emo/inference';
import { createLogger, type Logger } from '@emo/profiler';

export interface EngineFlags {
  model?: string;
  precision?: string;
}

/** The engine's identity, and `classify` through the result cache (the engine's own when CACHE_ENABLED=false). */
export interface CliEngine extends Classifier {
  readonly modelId: string;
  readonly bundle: InferenceEngine['bundle'];
  /** The engine itself (provider, tokenizer, stats); its own `classify` bypasses the cache. */
  readonly engine: InferenceEngine;
  /** Closes the cache, then the engine. */
  close(): Promise<void>;
}

export class CliContext {
  private cachedConfig?: AppConfig;
  private cachedLogger?: Logger;
  private cachedFleetLogger?: Logger;

  /** What global flags set for every command (`--allow-benchmark-model`); a command's own overrides win. */
  private globalOverrides: ConfigOverrides = {};

  constructor(private readonly env?: Env) {}

  setGlobalOverrides(overrides: ConfigOverrides): void {
    this.globalOverrides = overrides;
    this.cachedConfig = undefined;
  }

  config(overrides: ConfigOverrides = {}): AppConfig {
    if (Object.keys(overrides).length > 0) return loadConfig(this.env, { ...this.globalOverrides, ...overrides });
    this.cachedConfig ??= loadConfig(this.env, this.globalOverrides);
    return this.cachedConfig;
  }

  /** The CLI commands' logger: `emo: warning: …` lines on stderr, pino JSON only with LOG_FORMAT=json. */
  get logger(): Logger {
    this.cachedLogger ??= this.createLogger('plain');
    return this.cachedLogger;
  }

  /** `emo serve`'s logger (the fleet's processes): pino JSON, plain lines only with LOG_FORMAT=plain. */
  get fleetLogger(): Logger {
    this.cachedFleetLogger ??= this.createLogger('json');
    return this.cachedFleetLogger;
  }

  private createLogger(auto: 'plain' | 'json'): Logger {
    const { logLevel, logFormat } = this.config().runtime;
    return createLogger({ level: logLevel, name: 'emo-cli', format: logFormat === 'auto' ? auto : logFormat });
  }

  /** An engine for the model/precision flags (falling back to MODEL_DIR / the default model). */
  async engine(flags: EngineFlags = {}, overrides: ConfigOverrides = {}, deps: EngineDeps = {}): Promise<CliEngine> {
    const config = this.config({
      ...overrides,
      ...(flags.model ? { modelDir: flags.model } : {}),
      ...(flags.precision ? { precision: flags.precision } : {}),
    });
    const engine = await InferenceEngine.create(config, { onWarning: (m) => this.logger.warn(m), ...deps });
    this.logger.debug(
      { model: engine.modelId, provider: engine.provider, cachedOptimizedModel: engine.optimizedModelFromCache },
      'engine ready',
    );
    const handle = await this.resultCache(engine, config, config.cache.cacheL2Enabled && config.cache.cacheCliL2);
    const classifier: Classifier = handle ? handle.cache.classifier(engine) : engine;
    return {
      modelId: engine.modelId,
      bundle: engine.bundle,
      engine,
      classify: (texts, options) => classifier.classify(texts, options),
      async close() {
        await handle?.close();
        await engine.close();
      },
    };
  }

  /** The result cache for an engine's model (undefined when CACHE_ENABLED=false). */
  async resultCache(
    engine: Parameters<typeof modelIdentityOf>[0] & { readonly precision: string },
    config: AppConfig,
    l2: boolean,
  ): Promise<ResultCacheHandle | undefined> {
    return createResultCache({ config, model: modelIdentityOf(engine, engine.precision), l2, logger: this.logger });
  }
}
