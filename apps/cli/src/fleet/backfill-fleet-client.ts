// The HTTP side of `emo backfill --fleet URL`: streams a file to POST /v1/backfills (node:http,
// so a long upload meets no client timeout), reads status, and streams result lines from an offset.
// Errors keep the API's code; `retryable` tells the caller whether sending again can help.
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { AppError, isErrorCode } from '@emo/contracts';
import { authError } from './fleet-auth';

export interface FleetBackfillStatus {
  readonly backfill_id: string;
  readonly state: string;
  readonly upload: { readonly lines: number; readonly complete: boolean; readonly attempts: number };
  readonly total: number | null;
  readonly done: number;
  readonly failed: number;
  readonly rate_texts_per_s: number;
  readonly eta_s: number | null;
  readonly model?: string;
  readonly created?: boolean;
  readonly skipped_chunks?: number;
  readonly queued_chunks?: number;
}

export interface UploadQuery {
  readonly format: string;
  readonly textField: string;
  readonly idField?: string;
  readonly passthrough?: string;
  readonly columns?: string;
  readonly includeScores?: boolean;
  /** A coarse taxonomy (ekman, sentiment); absent: goemotions. */
  readonly taxonomy?: string;
}

const CONTENT_TYPES: Record<string, string> = { ndjson: 'application/x-ndjson', csv: 'text/csv', tsv: 'text/tab-separated-values' };

export class BackfillFleetClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** Streams `path` (or stdin for '-') as the body; counts bytes sent through `onBytes`. */
  async upload(id: string, path: string, q: UploadQuery, onBytes?: (n: number) => void): Promise<FleetBackfillStatus> {
    const params = new URLSearchParams({ id, format: q.format, text_field: q.textField });
    if (q.idField) params.set('id_field', q.idField);
    if (q.passthrough) params.set('passthrough', q.passthrough);
    if (q.columns) params.set('columns', q.columns);
    if (q.includeScores) params.set('include_scores', 'true');
    if (q.taxonomy) params.set('taxonomy', q.taxonomy);
    const body: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 256 * 1024 });
    if (onBytes) body.on('data', (c: Buffer | string) => onBytes(c.length));
    const res = await this.send(
      'POST',
      `/v1/backfills?${params}`,
      { 'content-type': CONTENT_TYPES[q.format] ?? 'application/x-ndjson' },
      body,
    );
    return (await readJson(res, 'POST /v1/backfills', this.apiKey !== undefined)) as FleetBackfillStatus;
  }

  async status(id: string): Promise<FleetBackfillStatus> {
    const path = `/v1/backfills/${encodeURIComponent(id)}`;
    return (await readJson(await this.send('GET', path), `GET ${path}`, this.apiKey !== undefined)) as FleetBackfillStatus;
  }

  /** Result lines from `offset` (as raw JSON strings), in input order. */
  async *results(id: string, offset: number): AsyncGenerator<string> {
    const res = await this.send('GET', `/v1/backfills/${encodeURIComponent(id)}/results?offset=${offset}`);
    if ((res.statusCode ?? 500) >= 300) await readJson(res, `GET /v1/backfills/${id}/results`, this.apiKey !== undefined);
    let carry = '';
    res.setEncoding('utf8');
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        const parts = (carry + chunk).split('\n');
        carry = parts.pop() ?? '';
        for (const p of parts) if (p.length > 0) yield p;
      }
    } catch (e) {
      // Cut off mid-stream (API restart, network): retryable, and the caller reads on from its last whole line.
      throw new AppError('QUEUE_UNAVAILABLE', `GET /v1/backfills/${id}/results: the stream broke off (${(e as Error).message})`);
    }
    if (carry.length > 0) yield carry;
  }

  private send(method: string, path: string, headers: Record<string, string> = {}, body?: Readable): Promise<IncomingMessage> {
    const url = new URL(path, this.baseUrl);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method, headers: { ...headers, ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) } },
        resolve,
      );
      req.on('error', (e) => reject(new AppError('QUEUE_UNAVAILABLE', `${method} ${url.origin}${url.pathname}: ${e.message}`)));
      if (body) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else req.end();
    });
  }
}

/** The JSON body of an answer; an error status throws with the API's code (401/403: what to do about the key). */
async function readJson(res: IncomingMessage, what: string, keySent: boolean): Promise<unknown> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  const status = res.statusCode ?? 500;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A body that is not ours came from something in front of the API (a proxy or load balancer):
    // its 502/503/504 say the fleet is unreachable for now (retryable); other statuses are not.
    const code = status === 502 || status === 503 || status === 504 ? 'QUEUE_UNAVAILABLE' : status >= 500 ? 'INTERNAL' : 'REQUEST_INVALID';
    throw new AppError(code, `fleet answered ${status}: ${text.slice(0, 200)}`);
  }
  if (status >= 300) {
    const err = (body as { error?: { code?: string; message?: string } }).error;
    const auth = authError(status, what, keySent, err?.code);
    if (auth) throw auth;
    throw new AppError(isErrorCode(err?.code) ? err.code : 'INTERNAL', `fleet answered ${status}: ${err?.message ?? text.slice(0, 200)}`);
  }
  return body;
}
