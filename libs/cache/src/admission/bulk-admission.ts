// Which computed results a TwoLevelCache stores (CACHE_BULK_ADMISSION): `always` every one;
// `second-hit` a bulk text's only from its key's second sighting in this process (doorkeeper.ts).
// Interactive results and warming (`cacheAdmit`) are always stored. A call without a priority is
// bulk, as the ClassifyOptions contract says. And where: a bulk result that goes to a working L2
// enters L1 only when L2 answers it (toL1).
import type { ClassifyOptions } from '@emo/contracts';
import { Doorkeeper } from './doorkeeper';
import { doorkeeperCapacity } from './first-sightings';

export type BulkAdmissionMode = 'always' | 'second-hit';

export class BulkAdmission {
  private readonly doorkeeper?: Doorkeeper;

  /** `l1MaxEntries`: first sightings are remembered for 10 × that many keys before the filter starts over (1 M keys, 1.25 MB by default). */
  constructor(mode: BulkAdmissionMode = 'always', l1MaxEntries = 100_000) {
    if (mode === 'second-hit') this.doorkeeper = new Doorkeeper(doorkeeperCapacity(l1MaxEntries));
  }

  /** The rule for one call's computed keys: undefined when it stores every one. */
  forCall(opts?: Pick<ClassifyOptions, 'priority' | 'cacheAdmit'>): ((key: string) => boolean) | undefined {
    const doorkeeper = this.doorkeeper;
    if (!doorkeeper || opts?.priority === 'interactive' || opts?.cacheAdmit === true) return undefined;
    return (key) => doorkeeper.admit(key);
  }

  /**
   * Whether a call's computed results go to L1 too (`l2Written`: they go to an L2 that is up). A bulk
   * result written to L2 does not: it enters L1 when L2 answers it, at its next sighting here
   * (TwoLevelCache.fromL2), so a backfill's one-off texts neither cost an L1 insert each nor push out
   * what repeats (interactive calls, hot phrases). Interactive results, warming (`cacheAdmit`), and
   * every result of a process without L2 (the embedded CLI) or while L2 is down go to L1.
   */
  toL1(opts: Pick<ClassifyOptions, 'priority' | 'cacheAdmit'> | undefined, l2Written: boolean): boolean {
    return !l2Written || opts?.priority === 'interactive' || opts?.cacheAdmit === true;
  }
}
