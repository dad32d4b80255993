// THE config schema: every setting of every app, from the per-domain setting tables.
// Add a setting by adding it to one of the tables under settings/; nothing else reads env.
import { z } from 'zod';
import type { Setting } from './setting';
import { backfillSettings } from './settings/backfill.settings';
import { cacheSettings } from './settings/cache.settings';
import { batchingSettings } from './settings/batching.settings';
import { engineSettings } from './settings/engine.settings';
import { fleetSettings } from './settings/fleet.settings';
import { onnxSettings } from './settings/onnx.settings';
import { profilerSettings } from './settings/profiler.settings';
import { runtimeSettings } from './settings/runtime.settings';

export const SETTINGS = {
  ...runtimeSettings,
  ...engineSettings,
  ...batchingSettings,
  ...cacheSettings,
  ...fleetSettings,
  ...backfillSettings,
  ...onnxSettings,
  ...profilerSettings,
} as const;

type Settings = typeof SETTINGS;
export type AppConfig = Readonly<{ [K in keyof Settings]: z.output<Settings[K]['schema']> }>;

export const configSchema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([key, s]) => [key, (s as Setting).schema])) as {
    [K in keyof Settings]: Settings[K]['schema'];
  },
);

/** Name of the variable that points at an optional JSON config file (keys are env names). */
export const CONFIG_FILE_ENV = 'EMO_CONFIG_FILE';
