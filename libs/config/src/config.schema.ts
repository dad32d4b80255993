// THE config schema: every setting of every app, grouped by domain. Each lib takes its own
// section (`config.engine`, `config.batching`, `config.cache`, …) as it is, without projections.
// Add a setting by adding it to one of the tables under settings/; nothing else reads env.
// Setting keys are unique across sections, so overrides and error reports can name them flat.
import { z } from 'zod';
import type { Setting } from './setting';
import { apiSettings } from './settings/api.settings';
import { backfillSettings } from './settings/backfill.settings';
import { batchingSettings } from './settings/batching.settings';
import { cacheSettings } from './settings/cache.settings';
import { engineSettings } from './settings/engine.settings';
import { fleetSettings } from './settings/fleet.settings';
import { onnxSettings } from './settings/onnx.settings';
import { profilerSettings } from './settings/profiler.settings';
import { runtimeSettings } from './settings/runtime.settings';
import { tenantsSettings } from './settings/tenants.settings';
import { workerSettings } from './settings/worker.settings';

export const CONFIG_SECTIONS = {
  runtime: runtimeSettings,
  engine: engineSettings,
  batching: batchingSettings,
  cache: cacheSettings,
  api: apiSettings,
  tenants: tenantsSettings,
  fleet: fleetSettings,
  worker: workerSettings,
  backfill: backfillSettings,
  onnx: onnxSettings,
  profiler: profilerSettings,
} as const;

type Sections = typeof CONFIG_SECTIONS;
export type ConfigSectionName = keyof Sections;
type SectionOf<T> = { readonly [K in keyof T]: T[K] extends Setting<infer S> ? z.output<S> : never };

export type AppConfig = { readonly [S in ConfigSectionName]: SectionOf<Sections[S]> };
export type RuntimeConfig = AppConfig['runtime'];
export type EngineConfig = AppConfig['engine'];
export type BatchingConfig = AppConfig['batching'];
export type CacheConfig = AppConfig['cache'];
export type ApiConfig = AppConfig['api'];
export type TenantsConfig = AppConfig['tenants'];
export type FleetConfig = AppConfig['fleet'];
export type WorkerConfig = AppConfig['worker'];
export type BackfillConfig = AppConfig['backfill'];
export type OnnxConfig = AppConfig['onnx'];
export type ProfilerConfig = AppConfig['profiler'];

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** Every setting by its key, whatever its section. */
export type SettingKey = keyof UnionToIntersection<Sections[ConfigSectionName]>;

/** Every setting by its key, with the section it belongs to. */
export const SETTINGS: Readonly<Record<string, Setting & { readonly section: ConfigSectionName }>> = Object.freeze(
  Object.fromEntries(
    (Object.entries(CONFIG_SECTIONS) as [ConfigSectionName, Record<string, Setting>][]).flatMap(([section, table]) =>
      Object.entries(table).map(([key, s]) => [key, { ...s, section }]),
    ),
  ),
);

export const configSchema = z.object(
  Object.fromEntries(
    Object.entries(CONFIG_SECTIONS).map(([section, table]) => [
      section,
      z.object(Object.fromEntries(Object.entries(table as Record<string, Setting>).map(([key, s]) => [key, s.schema]))),
    ]),
  ),
);

/** Name of the variable that points at an optional JSON config file (keys are env names). */
export const CONFIG_FILE_ENV = 'EMO_CONFIG_FILE';
