import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry } from './entry-list';
import { DEFAULT_LANE, TenantLanes } from './tenant-lanes';

/** Texts pushed in arrival order, picks taken one text at a time, as PendingQueue takes them. */
class Harness {
  readonly sut: TenantLanes<string>;
  private seq = 0;

  constructor(creditTexts = 0) {
    this.sut = new TenantLanes<string>(creditTexts);
  }

  push(tenant: string | undefined, count: number, weight = 1): void {
    for (let i = 0; i < count; i++) {
      const entry: Entry<string> = {
        item: {
          seq: this.seq++,
          length: 8,
          priority: 'bulk',
          enqueuedAt: 0,
          ...(tenant === undefined ? {} : { share: { tenant, weight } }),
          payload: tenant ?? DEFAULT_LANE,
        },
        taken: false,
      };
      this.sut.push(entry);
    }
  }

  /** The tenants of the next `n` picks (fewer when nothing waits). */
  picks(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      this.sut.compact();
      const entry = this.sut.leading()?.list.front();
      if (!entry) break;
      entry.taken = true;
      this.sut.take(entry);
      this.sut.charge(entry);
      out.push(entry.item.payload);
    }
    return out;
  }
}

const count = (picks: readonly string[], tenant: string) => picks.filter((p) => p === tenant).length;

describe(TenantLanes.name, () => {
  describe('leading', () => {
    it('keeps arrival order for one tenant, and for texts that name none', () => {
      const h = new Harness();
      h.push(undefined, 3);
      expect(h.picks(5)).toEqual(['default', 'default', 'default']);
      expect(h.sut.size).toBe(0);
    });

    it('alternates two busy tenants of weight 1, whatever their backlogs', () => {
      const h = new Harness();
      h.push('a', 100);
      h.push('b', 4);
      expect(h.picks(10)).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'a']);
    });

    it('gives a tenant of weight 2 two texts for each of a tenant of weight 1', () => {
      const h = new Harness();
      h.push('a', 60, 2);
      h.push('b', 60, 1);
      const picks = h.picks(30);
      expect(picks.slice(0, 6)).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
      expect(count(picks, 'a')).toBe(20);
      expect(count(picks, 'b')).toBe(10);
    });

    it('serves a tenant that arrives late at once, at its share, without a burst for the time it was idle', () => {
      const h = new Harness();
      h.push('a', 200);
      expect(count(h.picks(50), 'a')).toBe(50);
      h.push('b', 20);
      // Not behind a's 150 waiting texts, and not 50 in a row for a's 50 served before it came.
      expect(h.picks(6)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
      expect(count(h.picks(34), 'b')).toBe(17);
      // b went idle while a was served 40 more; it comes back at its share, not with 40 texts of credit.
      expect(count(h.picks(40), 'a')).toBe(40);
      h.push('b', 20);
      const back = h.picks(10);
      expect(count(back, 'b')).toBe(5);
      expect(back.slice(0, 2).sort()).toEqual(['a', 'b']);
    });

    it('forgets every lane once nothing waits', () => {
      const h = new Harness();
      h.push('a', 30);
      h.picks(30);
      h.push('b', 2);
      h.push('a', 2);
      // Both start equal again: the tie goes to the oldest text (b's).
      expect(h.picks(4)).toEqual(['b', 'a', 'b', 'a']);
    });
  });

  describe('credit', () => {
    it('lets a lane that ran dry a moment ago catch up what it missed, at most the credit; a new or long idle one starts level', () => {
      const h = new Harness(4);
      h.push('a', 200);
      h.picks(20);
      h.push('b', 4);
      expect(h.picks(8)).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']); // new: level, no credit
      h.picks(2); // a, a: b ran dry for two of a's texts (the gap before its next chunk) ...
      h.push('b', 6);
      expect(h.picks(5)).toEqual(['b', 'b', 'a', 'b', 'a']); // ... and catches up those two
      h.picks(20); // b's last three, then idle for 17 of a's texts, then back:
      h.push('b', 20);
      expect(h.picks(6)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']); // level again, no burst
    });
  });

  describe('restore', () => {
    it('refunds a text put back, so its tenant keeps its turn', () => {
      const h = new Harness();
      h.push('a', 10);
      h.push('b', 10);
      h.picks(2); // a, b
      const entry = h.sut.lane('a')?.list.front() as Entry<string>;
      entry.taken = true;
      h.sut.take(entry);
      h.sut.charge(entry);
      h.sut.restore({ item: entry.item, taken: false });
      expect(h.picks(2)).toEqual(['a', 'b']);
    });
  });

  describe('properties', () => {
    it('while every tenant is busy, texts served per weight differ by at most one text of the lightest tenant', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ weight: fc.integer({ min: 1, max: 5 }), backlog: fc.integer({ min: 1, max: 200 }) }), {
            minLength: 2,
            maxLength: 5,
          }),
          (tenants) => {
            const h = new Harness();
            tenants.forEach((t, i) => h.push(`t${i}`, t.backlog, t.weight));
            const served = tenants.map(() => 0);
            const busyFor = Math.min(...tenants.map((t) => t.backlog / t.weight));
            for (const tenant of h.picks(tenants.reduce((n, t) => n + t.backlog, 0))) {
              const i = Number(tenant.slice(1));
              served[i]++;
              const perWeight = served.map((s, k) => s / tenants[k].weight);
              // Only while no tenant has run out: then the others take what it leaves.
              if (Math.min(...perWeight) >= busyFor) break;
              const lightest = Math.min(...tenants.map((t) => t.weight));
              expect(Math.max(...perWeight) - Math.min(...perWeight)).toBeLessThanOrEqual(1 / lightest + 1e-9);
            }
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
