// The rules of /v1/backfills: the backfill id, admission on the bulk queue, ingesting an upload
// (resumable by id), and reading a backfill back: status, result and error lines in input order,
// label roll-ups per field, and progress until it finishes. Backfill ids are the tenant's own: two
// tenants may each have `support-2023`, and another tenant's backfill answers 404
// BACKFILL_NOT_FOUND exactly as a missing one. I/O goes through the backfill store, reader and
// ingestor (backfills.providers.ts), so the spec runs on fakes.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { readRecords, type Tenant } from '@emo/contracts';
import {
  backfillJobId,
  backfillState,
  backfillStatusFromRecord,
  checkBackfillId,
  checkRollupField,
  type BackfillMapping,
  type BackfillState,
  type BackfillStatus,
  type JobRecord,
  type OutputLine,
} from '@emo/queue';
import type { BacklogGate } from '../jobs/backlog-gate';
import { TenantQuota } from '../tenancy/tenant-quota';
import { BACKLOG_GATE } from '../tokens';
import { BACKFILLS, type Backfills } from './backfills.providers';

/** Pause between two progress events. */
const PROGRESS_INTERVAL_MS = 1000;

/** What the service uses of the backfill store, reader and ingestor. */
export interface BackfillsPorts {
  readonly store: Pick<Backfills['store'], 'record' | 'requireRecord'>;
  readonly reader: Pick<Backfills['reader'], 'lines' | 'errors' | 'rollup'>;
  readonly ingestor: Pick<Backfills['ingestor'], 'ingest'>;
  readonly replicated?: Backfills['replicated'];
  readonly maxLineBytes: number;
}

export interface BackfillUpload {
  /** Default: a new UUID. The same id resumes an interrupted upload of the same file. */
  readonly id?: string;
  readonly mapping: BackfillMapping;
  /** The request body, read record by record. */
  readonly body: Readable;
}

export interface UploadedBackfill {
  readonly id: string;
  readonly status: BackfillStatus;
  /** False when this upload resumed an existing backfill. */
  readonly created: boolean;
  /** Chunks queued by this upload, and those skipped as already stored by an earlier one. */
  readonly queued: number;
  readonly skipped: number;
}

export interface BackfillLines {
  readonly state: BackfillState;
  /** Every line is there (the backfill finished); else the lines available in order so far. */
  readonly complete: boolean;
  /** Input lines; undefined until the upload is complete. */
  readonly total?: number;
  readonly lines: AsyncIterable<string>;
}

export interface BackfillRollups {
  readonly complete: boolean;
  /** One row per value of the field: `{ [by]: value, messages, errors, labels }`, in first-seen order. */
  readonly rows: Record<string, unknown>[];
}

export type BackfillEvent =
  | { readonly event: 'progress' | 'done'; readonly data: BackfillStatus }
  | { readonly event: 'error'; readonly data: { readonly code: 'BACKFILL_NOT_FOUND'; readonly message: string } };

@Injectable()
export class BackfillsService {
  constructor(
    @Inject(BACKFILLS) private readonly backfills: BackfillsPorts,
    @Inject(BACKLOG_GATE) private readonly gate: Pick<BacklogGate, 'admit'>,
    @Inject(TenantQuota) private readonly quota?: Pick<TenantQuota, 'backfillGate'>,
  ) {}

  async upload(tenant: Tenant, upload: BackfillUpload): Promise<UploadedBackfill> {
    const id = checkBackfillId(upload.id ?? randomUUID());
    await this.gate.admit('bulk');
    const { body, mapping } = upload;
    const records = readRecords(body, mapping.format, mapping, { maxLineBytes: this.backfills.maxLineBytes });
    // A body cut short (client gone) must not seal the backfill, so a resume can finish it.
    // The tenant's rate and backlog share pace the upload chunk by chunk (it waits, never 429s mid-stream).
    const quotaGate = this.quota?.backfillGate(tenant);
    const ended = () => body.readableEnded;
    const result = await this.backfills.ingestor.ingest(tenant.id, id, mapping, records, ended, tenant.limits.weight, quotaGate);
    // 202 only once the upload's writes are on the replicas (REDIS_WAIT_REPLICAS; the chunks were waited for as queued).
    await this.backfills.replicated?.(backfillJobId(tenant.id, id));
    return { id, status: await this.status(tenant, id), created: result.created, queued: result.queued, skipped: result.skipped };
  }

  async status(tenant: Tenant, id: string): Promise<BackfillStatus> {
    return backfillStatusFromRecord(await this.backfills.store.requireRecord(tenant.id, id));
  }

  /** Output lines from input line `offset`, with the passthrough fields. */
  async results(tenant: Tenant, id: string, offset: number): Promise<BackfillLines> {
    const record = await this.backfills.store.requireRecord(tenant.id, id);
    return linesOf(record, this.backfills.reader.lines(record, offset));
  }

  /** Only the lines that failed, with their line numbers. */
  async errors(tenant: Tenant, id: string): Promise<BackfillLines> {
    const record = await this.backfills.store.requireRecord(tenant.id, id);
    return linesOf(record, this.backfills.reader.errors(record));
  }

  async rollups(tenant: Tenant, id: string, by: string): Promise<BackfillRollups> {
    checkRollupField(by);
    const record = await this.backfills.store.requireRecord(tenant.id, id);
    const rows = await this.backfills.reader.rollup(record, by);
    return {
      complete: record.finishedAt !== undefined,
      rows: rows.map((r) => ({ [by]: r.key, messages: r.messages, errors: r.errors, labels: r.labels })),
    };
  }

  /**
   * Progress of a backfill (BACKFILL_NOT_FOUND at once when unknown): its status now and every
   * `intervalMs` as `progress`, then `done` once it finished, or `error` if it expired meanwhile.
   * Ends early, without another read, once `signal` aborts (the client went away).
   */
  async events(tenant: Tenant, id: string, signal: AbortSignal, intervalMs = PROGRESS_INTERVAL_MS): Promise<AsyncIterable<BackfillEvent>> {
    await this.backfills.store.requireRecord(tenant.id, id);
    return this.progress(tenant, id, signal, intervalMs);
  }

  private async *progress(tenant: Tenant, id: string, signal: AbortSignal, intervalMs: number): AsyncGenerator<BackfillEvent> {
    while (!signal.aborted) {
      const record = await this.backfills.store.record(tenant.id, id);
      if (!record) {
        yield { event: 'error', data: { code: 'BACKFILL_NOT_FOUND', message: `Backfill ${id} expired` } };
        return;
      }
      const status = backfillStatusFromRecord(record);
      const finished = status.state === 'completed' || status.state === 'cancelled';
      yield { event: finished ? 'done' : 'progress', data: status };
      if (finished) return;
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined); // aborted: the loop ends
    }
  }
}

function linesOf(record: JobRecord, lines: AsyncIterable<OutputLine>): BackfillLines {
  return { state: backfillState(record), complete: record.finishedAt !== undefined, total: record.total, lines: jsonOf(lines) };
}

async function* jsonOf(lines: AsyncIterable<OutputLine>): AsyncGenerator<string> {
  for await (const line of lines) yield line.json;
}
