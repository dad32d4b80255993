// A fleet job's record (the meta hash at FleetKeys.meta, for jobs and backfills alike) as one
// typed object, and the one codec between the two: every hash field name and how its value is
// read is in RECORD_CODEC. The Lua commands (commands/*.lua) change counters and stamps by these
// names; a new record's fields come from `newRecordFields` only, whether TypeScript or Lua
// writes them (create-job and open-backfill write the pairs it gives, via create-record.lua).
import { DEFAULT_TENANT_ID } from '@emo/contracts';
import { chunkCount } from './chunking';
import type { Priority } from './fleet-job.types';

export type JobKind = 'job' | 'backfill';

export interface JobRecord {
  readonly id: string;
  readonly kind: JobKind;
  /** The tenant that owns the job: only it may read or cancel it (a record written before tenants: the default tenant). */
  readonly tenant: string;
  readonly priority: Priority;
  /** Items (a backfill: input lines, once its upload is sealed). */
  readonly total?: number;
  readonly chunkSize: number;
  /** Chunks of the job (a backfill: once sealed). */
  readonly chunks?: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly cancelledAt?: number;
  /** Items with a result line (succeeded + failed + cancelled; a backfill: texts). */
  readonly done: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly chunksDone: number;
  readonly includeScores: boolean;
  /** A TTL of the job's own (a /v1/classify call), kept when its results land. */
  readonly ttlSeconds?: number;
  /** Every chunk was queued (a resubmission under the same idempotency key queues them otherwise). */
  readonly enqueued: boolean;
  readonly model?: string;
  // A backfill's own fields.
  readonly backfillId?: string;
  /** What must match for an upload to resume it (settingsOf in backfill-ingestor.ts). */
  readonly settings?: string;
  readonly uploads: number;
  readonly uploadedLines: number;
  readonly ingestErrors: number;
  readonly inputErrors?: number;
  readonly uploadComplete: boolean;
  readonly sealedAt?: number;
  /** A /v1/classify call's: the waiting process's inbox channel; the finish message carries the results there. */
  readonly pushChannel?: string;
}

type HashValue = string | number;

interface FieldCodec<T> {
  readonly field: string;
  decode(value: string | undefined): T;
  /** undefined: the field is not written. */
  encode(value: T): HashValue | undefined;
}

const text = (field: string): FieldCodec<string | undefined> => ({ field, decode: (v) => v, encode: (v) => v });
const count = (field: string): FieldCodec<number> => ({ field, decode: (v) => (v === undefined ? 0 : Number(v)), encode: (v) => v });
const optionalNumber = (field: string): FieldCodec<number | undefined> => ({
  field,
  decode: (v) => (v === undefined ? undefined : Number(v)),
  encode: (v) => v,
});
/** Written as 1/0; absent reads false. */
const flag = (field: string): FieldCodec<boolean> => ({ field, decode: (v) => v !== undefined && v !== '0', encode: (v) => (v ? 1 : 0) });

/** Record property → hash field. */
export const RECORD_CODEC: { readonly [K in keyof JobRecord]-?: FieldCodec<JobRecord[K]> } = {
  id: text('id') as FieldCodec<string>,
  // A plain job has no `kind` field.
  kind: { field: 'kind', decode: (v) => (v === 'backfill' ? 'backfill' : 'job'), encode: (v) => (v === 'job' ? undefined : v) },
  // Records from before tenants have no `tenant` field: they belong to the default tenant only.
  tenant: { field: 'tenant', decode: (v) => v ?? DEFAULT_TENANT_ID, encode: (v) => v },
  priority: text('priority') as FieldCodec<Priority>,
  total: optionalNumber('total'),
  chunkSize: count('chunk_size'),
  chunks: optionalNumber('chunks'),
  createdAt: count('created_at'),
  startedAt: optionalNumber('started_at'),
  finishedAt: optionalNumber('finished_at'),
  cancelledAt: optionalNumber('cancelled_at'),
  done: count('done'),
  failed: count('failed'),
  cancelled: count('cancelled'),
  chunksDone: count('chunks_done'),
  includeScores: flag('include_scores'),
  ttlSeconds: optionalNumber('ttl'),
  enqueued: flag('enqueued'),
  pushChannel: text('push'),
  model: text('model'),
  backfillId: text('backfill_id'),
  settings: text('settings'),
  uploads: count('uploads'),
  uploadedLines: count('uploaded_lines'),
  ingestErrors: count('ingest_errors'),
  inputErrors: optionalNumber('input_errors'),
  uploadComplete: flag('upload_complete'),
  sealedAt: optionalNumber('sealed_at'),
};

/** The hash field of a record property. */
export function recordField(property: keyof JobRecord): string {
  return RECORD_CODEC[property].field;
}

/** The record in a meta hash (HGETALL); undefined when the hash is empty or not a record. */
export function decodeJobRecord(hash: Readonly<Record<string, string>>): JobRecord | undefined {
  if (hash.id === undefined) return undefined;
  const record: Record<string, unknown> = {};
  for (const [property, codec] of Object.entries(RECORD_CODEC) as [string, FieldCodec<unknown>][]) {
    const value = codec.decode(hash[codec.field]);
    if (value !== undefined) record[property] = value;
  }
  return record as unknown as JobRecord;
}

/** Field/value pairs of the given properties (for HSET). */
export function encodeJobRecord(fields: Partial<JobRecord>): string[] {
  const pairs: string[] = [];
  for (const [property, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const codec = RECORD_CODEC[property as keyof JobRecord] as FieldCodec<unknown>;
    const encoded = codec.encode(value);
    if (encoded !== undefined) pairs.push(codec.field, String(encoded));
  }
  return pairs;
}

interface NewRecordBase {
  readonly id: string;
  readonly tenant: string;
  readonly chunkSize: number;
  readonly createdAt: number;
}

export type NewRecord =
  | (NewRecordBase & {
      readonly kind: 'job';
      readonly priority: Priority;
      readonly total: number;
      readonly includeScores?: boolean;
      readonly ttlSeconds?: number;
      readonly pushChannel?: string;
    })
  | (NewRecordBase & { readonly kind: 'backfill'; readonly backfillId: string; readonly settings: string });

/**
 * The fields a record starts with (the only list of them): a job knows its items up front; a
 * backfill is a bulk job whose counts come at its seal, queued chunk by chunk while it uploads.
 */
export function newRecordFields(start: NewRecord): string[] {
  const common = {
    id: start.id,
    tenant: start.tenant,
    chunkSize: start.chunkSize,
    createdAt: start.createdAt,
    done: 0,
    failed: 0,
    cancelled: 0,
    chunksDone: 0,
  };
  if (start.kind === 'job') {
    return encodeJobRecord({
      ...common,
      priority: start.priority,
      total: start.total,
      chunks: chunkCount(start.total, start.chunkSize),
      includeScores: start.includeScores ?? false,
      ttlSeconds: start.ttlSeconds,
      pushChannel: start.pushChannel,
    });
  }
  return encodeJobRecord({
    ...common,
    kind: 'backfill',
    priority: 'bulk',
    backfillId: start.backfillId,
    settings: start.settings,
    uploads: 1,
    uploadedLines: 0,
    ingestErrors: 0,
    enqueued: true,
  });
}
