// The --quick figures of the suites' side-by-side variants (`--against <checkout>`): this checkout
// against itself, so both fleets, their rounds and the ratios are printed. Kept apart from
// bench-quick-fleet-figures.ts, whose figure sets they extend.
import { expect } from 'vitest';
import { expectMachine, num, rate, type SuiteSpec } from './bench-quick-checks';
import { FLEET, INTERACTIVE, interactiveLevel } from './bench-quick-fleet-figures';

export const AGAINST_SUITES = {
  // This checkout against itself (`<root>`): the timed texts as two jobs per fleet, alternating.
  'fleet --against': {
    redis: true,
    suite: 'fleet',
    args: ['--against', '<root>', '--rounds', '2'],
    figures: {
      ...FLEET,
      rounds: { eq: 2 },
      against: 'text',
      against_fleet_texts_per_s: rate,
      against_fleet_cpu_s_per_1k_texts: 'positive',
      against_worker_cpu_s_per_1k_texts: 'nonneg',
      fleet_vs_against: 'positive',
      fleet_cpu_vs_against: 'positive',
    },
    also: (f) => {
      expect(num(f, 'fleet_vs_against')).toBeCloseTo(num(f, 'fleet_texts_per_s') / num(f, 'against_fleet_texts_per_s'), 1);
      expect(num(f, 'fleet_cpu_vs_against')).toBeCloseTo(
        num(f, 'fleet_cpu_s_per_1k_texts') / num(f, 'against_fleet_cpu_s_per_1k_texts'),
        1,
      );
      expectMachine(f);
    },
  },
  // This checkout against itself (`<root>`): both fleets, their alternating rounds and the ratios.
  'interactive --against': {
    redis: true,
    suite: 'interactive',
    args: ['--against', '<root>', '--concurrency', '1', '--rounds', '2'],
    figures: {
      ...INTERACTIVE,
      ...interactiveLevel(1),
      against: 'text',
      rounds: { eq: 2 },
      against_levels: 'rows',
      c1_vs_against_texts_per_s: 'positive',
      c1_vs_against_p50: 'positive',
      c1_vs_against_cpu: 'positive',
    },
    also: (f) => {
      const [mine] = f.levels as { requests: number; texts_per_s: number; p50_ms: number }[];
      const [other] = f.against_levels as { requests: number; texts_per_s: number; p50_ms: number; non_200: number }[];
      // Both fleets answered every text of the level (the same 40, in two rounds each).
      expect([mine.requests, other.requests, other.non_200]).toEqual([40, 40, 0]);
      expect(num(f, 'c1_vs_against_texts_per_s')).toBeCloseTo(mine.texts_per_s / other.texts_per_s, 2);
      expect(num(f, 'c1_vs_against_p50')).toBeCloseTo(mine.p50_ms / other.p50_ms, 2);
      expectMachine(f);
    },
  },
} satisfies Record<string, SuiteSpec>;
