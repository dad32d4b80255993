// Which computed results a TwoLevelCache stores (CACHE_BULK_ADMISSION): `always` every one;
// `second-hit` a bulk text's only from its key's second sighting in this process (doorkeeper.ts).
// Interactive results and warming (`cacheAdmit`) are always stored. A call without a priority is
// bulk, as the ClassifyOptions contract says.
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
}
