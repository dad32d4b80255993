// InFlightResults: a claim's promise exists only once a joining call asks for it, and settles the
// same way whether it was asked for before or after the computing call settled the claim.
import { describe, expect, it } from 'vitest';
import { InFlightResults } from './in-flight-results';

const value = Buffer.from('encoded');

describe('InFlightResults', () => {
  it('gives a joiner the value whether it joined before or after the claim settled', async () => {
    const inFlight = new InFlightResults();
    const [early, late] = inFlight.claim(['a', 'b']);
    const joinedEarly = inFlight.pending('a')!.promise;
    early.resolve(value);
    late.resolve(value);
    expect(await joinedEarly).toBe(value);
    expect(await inFlight.pending('b')!.promise).toBe(value);
  });

  it('passes a failure to joiners, and a failure nobody joined is not an unhandled rejection', async () => {
    const inFlight = new InFlightResults();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [joined, alone, askedLate] = inFlight.claim(['a', 'b', 'c']);
      const waiting = inFlight.pending('a')!.promise;
      joined.reject(new Error('deadline'));
      alone.reject(new Error('nobody waits'));
      askedLate.reject(new Error('late'));
      await expect(waiting).rejects.toThrow('deadline');
      await expect(inFlight.pending('c')!.promise).rejects.toThrow('late');
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('keeps the first settlement, as a promise does', async () => {
    const inFlight = new InFlightResults();
    const [d] = inFlight.claim(['a']);
    d.resolve(value);
    d.reject(new Error('too late'));
    expect(await inFlight.pending('a')!.promise).toBe(value);
  });

  it('forgets released claims, but not a newer claim of the same key', () => {
    const inFlight = new InFlightResults();
    const first = inFlight.claim(['a', 'b']);
    const second = inFlight.claim(['a']);
    inFlight.release(['a', 'b'], first);
    expect(inFlight.size).toBe(1);
    expect(inFlight.pending('a')).toBe(second[0]);
  });
});
