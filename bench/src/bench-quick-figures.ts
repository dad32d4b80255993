// The figures every `emo bench SUITE --quick --json` must print, by suite: each figure's kind (or
// exact value), and the relations between figures that hold by construction. A table of data, kept
// apart from bench-quick.e2e-spec.ts (which runs the suites and checks their output against it);
// the entries live by kind of suite (bench-quick-engine-figures.ts, bench-quick-fleet-figures.ts),
// the checks in bench-quick-checks.ts.
import { ENGINE_SUITES } from './bench-quick-engine-figures';
import { AGAINST_SUITES } from './bench-quick-against-figures';
import { FLEET_SUITES } from './bench-quick-fleet-figures';
import type { SuiteSpec } from './bench-quick-checks';

export { expectKind, type Check, type Figures, type SuiteSpec } from './bench-quick-checks';

/** Every suite, in the order the e2e spec runs them (one at a time). */
export const SUITES: Record<string, SuiteSpec> = {
  engine: ENGINE_SUITES.engine,
  'backfill-local': ENGINE_SUITES['backfill-local'],
  model: ENGINE_SUITES.model,
  batching: ENGINE_SUITES.batching,
  cache: FLEET_SUITES.cache,
  fleet: FLEET_SUITES.fleet,
  'fleet --against': AGAINST_SUITES['fleet --against'],
  profiler: ENGINE_SUITES.profiler,
  scale: FLEET_SUITES.scale,
  backfill: FLEET_SUITES.backfill,
  fairness: FLEET_SUITES.fairness,
  soak: FLEET_SUITES.soak,
  interactive: FLEET_SUITES.interactive,
  'interactive --against': AGAINST_SUITES['interactive --against'],
};
