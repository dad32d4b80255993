import { describe, expect, it } from 'vitest';
import { FleetKeys } from './fleet-keys';

/** The hash tag Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
const tagOf = (key: string) => /\{([^}]+)\}/.exec(key)?.[1] ?? key;

describe(FleetKeys.name, () => {
  it('keeps the names of one Redis as they were (no tags)', () => {
    const k = new FleetKeys('emo');
    expect([k.bullPrefix, k.meta('j1'), k.results('j1'), k.queuedTexts('bulk'), k.drain('interactive'), k.fairShare]).toEqual([
      'emo',
      'emo:fleet:job:j1',
      'emo:fleet:job:j1:results',
      'emo:fleet:queued-texts:bulk',
      'emo:fleet:drain:interactive',
      'emo:fleet:fair-share:bulk',
    ]);
    expect(k.patterns).toEqual(['emo:*']);
  });

  it('on a cluster puts the keys each script touches under one tag', () => {
    const k = new FleetKeys('emo', { cluster: true });
    // BEGIN_CHUNK / STORE_CHUNK: a job's record and results (and a backfill's inputs, `<meta>:inputs`).
    expect(new Set([k.meta('j1'), k.results('j1'), `${k.meta('j1')}:inputs`].map(tagOf))).toEqual(new Set(['j1']));
    // RESERVE_TEXTS / RELEASE_TEXTS: both priorities' counters and drain hashes.
    const admission = (['interactive', 'bulk'] as const).flatMap((p) => [k.queuedTexts(p), k.drain(p)]);
    expect(new Set(admission.map(tagOf))).toEqual(new Set(['emo:admission']));
    // FAIR_STAMP: the fair-share hash with BullMQ's keys of the bulk queue (`<bullPrefix>:bulk:…`).
    expect([tagOf(k.fairShare), tagOf(`${k.bullPrefix}:bulk:wait`)]).toEqual(['emo', 'emo']);
    // Jobs spread over the cluster: two jobs, two tags.
    expect(tagOf(k.meta('j2'))).not.toBe(tagOf(k.meta('j1')));
    expect(k.patterns).toEqual(['emo:*', '{emo}:*']);
  });
});
