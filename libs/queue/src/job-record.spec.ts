import { describe, expect, it } from 'vitest';
import { FLEET_COMMANDS, LUA_INCLUDES } from './fleet-commands';
import { decodeJobRecord, encodeJobRecord, newRecordFields, RECORD_CODEC, recordField } from './job-record';

const hash = (pairs: string[]) => Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));

describe('job record codec', () => {
  describe(newRecordFields.name, () => {
    it('starts a job with its counts, chunk count and zero counters', () => {
      const sut = hash(
        newRecordFields({
          kind: 'job',
          id: 'j1',
          tenant: 'acme',
          priority: 'interactive',
          total: 130,
          chunkSize: 64,
          createdAt: 1000,
          includeScores: true,
          ttlSeconds: 60,
        }),
      );
      expect(sut).toEqual({
        id: 'j1',
        tenant: 'acme',
        priority: 'interactive',
        total: '130',
        chunk_size: '64',
        chunks: '3',
        created_at: '1000',
        done: '0',
        failed: '0',
        cancelled: '0',
        chunks_done: '0',
        include_scores: '1',
        ttl: '60',
      });
    });

    it('starts a backfill as a bulk job without counts, queued as it uploads', () => {
      const sut = hash(
        newRecordFields({ kind: 'backfill', id: 'bf-x', tenant: 'acme', backfillId: 'x', settings: '[]', chunkSize: 10, createdAt: 5 }),
      );
      expect(sut).toEqual({
        id: 'bf-x',
        tenant: 'acme',
        kind: 'backfill',
        backfill_id: 'x',
        priority: 'bulk',
        settings: '[]',
        chunk_size: '10',
        created_at: '5',
        done: '0',
        failed: '0',
        cancelled: '0',
        chunks_done: '0',
        uploads: '1',
        uploaded_lines: '0',
        ingest_errors: '0',
        enqueued: '1',
      });
    });
  });

  describe(decodeJobRecord.name, () => {
    it('reads what was written, with counters and flags typed and absent stamps left out', () => {
      const sut = decodeJobRecord({
        ...hash(newRecordFields({ kind: 'job', id: 'j1', tenant: 'acme', priority: 'bulk', total: 5, chunkSize: 2, createdAt: 1000 })),
        started_at: '1200',
        done: '4',
      });
      expect(sut).toEqual({
        id: 'j1',
        kind: 'job',
        tenant: 'acme',
        priority: 'bulk',
        total: 5,
        chunkSize: 2,
        chunks: 3,
        createdAt: 1000,
        startedAt: 1200,
        done: 4,
        failed: 0,
        cancelled: 0,
        chunksDone: 0,
        includeScores: false,
        enqueued: false,
        uploads: 0,
        uploadedLines: 0,
        ingestErrors: 0,
        uploadComplete: false,
      });
    });

    it('gives a record written before tenants (no tenant field) to the default tenant only', () => {
      const { tenant, ...before } = hash(
        newRecordFields({ kind: 'job', id: 'j0', tenant: 'acme', priority: 'bulk', total: 1, chunkSize: 1, createdAt: 1 }),
      );
      expect(tenant).toBe('acme');
      expect(decodeJobRecord(before)?.tenant).toBe('default');
    });

    it('finds no record in an empty hash', () => {
      expect(decodeJobRecord({})).toBeUndefined();
    });
  });

  describe(encodeJobRecord.name, () => {
    it('writes the given properties under their hash fields, flags as 1/0', () => {
      expect(encodeJobRecord({ enqueued: true, uploadedLines: 7, uploadComplete: false, model: undefined })).toEqual([
        'enqueued',
        '1',
        'uploaded_lines',
        '7',
        'upload_complete',
        '0',
      ]);
      expect(recordField('cancelledAt')).toBe('cancelled_at');
    });
  });

  it('knows every record field the Lua commands read or write', () => {
    // Commands whose KEYS[1] is another hash than a job record (a tenant's token bucket).
    const notOnRecords = new Set(['tenant-rate']);
    const onRecords = Object.values(FLEET_COMMANDS).filter((c) => !notOnRecords.has(c.file));
    const lua = [...onRecords.map((c) => c.source), ...Object.values(LUA_INCLUDES)].join('\n');
    const used = new Set(
      [...lua.matchAll(/redis\.call\('H\w+', (?:KEYS\[1\]|meta), ([^\n]*)\)/g)].flatMap((m) =>
        [...m[1].matchAll(/'([a-z_]+)'/g)].map((f) => f[1]),
      ),
    );
    expect(used.size).toBeGreaterThan(10);
    const known = new Set(Object.values(RECORD_CODEC).map((c) => c.field));
    expect([...used].filter((f) => !known.has(f))).toEqual([]);
  });
});
