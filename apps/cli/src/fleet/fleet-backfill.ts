// `emo backfill IN --fleet URL`: streams the file to the fleet's POST /v1/backfills under a
// backfill id (given, or derived from the file's path, size and mtime so that running the same
// command again resumes), shows progress from the status route, then writes the ordered result
// lines to --out and the failed lines to the errors file. An upload cut off (API restart, network)
// is sent again with the same id: chunks already done are skipped. Reading results resumes from
// the last line written.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { AppError } from '@emo/contracts';
import { countLines } from '../input/count-lines';
import { BackfillSummary } from '../output/backfill-summary';
import type { OutputLine } from '../output/result-line';
import { TextProgress, type ProgressFigures } from '../output/text-progress';
import { BackfillFleetClient, type FleetBackfillStatus, type UploadQuery } from './backfill-fleet-client';

export interface FleetBackfillOptions {
  readonly url: string;
  readonly apiKey?: string;
  readonly backfillId?: string;
  readonly inPath: string;
  readonly query: UploadQuery;
  readonly out: Writable;
  readonly errOut: Writable;
  readonly progress: boolean;
  readonly log: (message: string) => void;
  readonly attempts?: number;
  readonly pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Same file (path, size, mtime) and same mapping → same id: running the same command again resumes. */
export function defaultBackfillId(path: string, query: UploadQuery): string {
  const st = statSync(path);
  return `f${createHash('sha1')
    .update(JSON.stringify([resolve(path), st.size, st.mtimeMs, query]))
    .digest('hex')
    .slice(0, 20)}`;
}

/**
 * The bar's figures from a status: lines the fleet finished (classified or failed) out of the
 * lines of the file (the fleet's total once its upload is complete, else the local count).
 */
export function fleetProgress(s: FleetBackfillStatus, countedLines?: number): ProgressFigures {
  return { done: s.done, total: s.total ?? countedLines, textsPerSecond: s.rate_texts_per_s, state: s.state };
}

export async function runFleetBackfill(opts: FleetBackfillOptions): Promise<BackfillSummary> {
  const client = new BackfillFleetClient(opts.url, opts.apiKey);
  const id = opts.backfillId ?? (opts.inPath === '-' ? `s${Date.now().toString(36)}` : defaultBackfillId(opts.inPath, opts.query));
  // Timed from the start of the upload: the rate covers upload, classification and download.
  const summary = new BackfillSummary([]);
  const attempts = opts.inPath === '-' ? 1 : (opts.attempts ?? 6);
  const pollMs = opts.pollMs ?? 500;
  opts.log(`backfill ${id} → ${opts.url} (the same command, or --backfill-id ${id} resumes it)`);
  const bar = opts.progress ? new TextProgress() : undefined;
  // Lines in the file, counted here beside the upload; the fleet's total once its upload is complete.
  let countedLines: number | undefined;
  let last: FleetBackfillStatus | undefined;
  const show = (s: FleetBackfillStatus) => {
    last = s;
    bar?.update(fleetProgress(s, countedLines));
  };
  if (bar && opts.inPath !== '-')
    void countLines(opts.inPath)
      .then((n) => {
        countedLines = n;
        if (last) show(last);
      })
      .catch(() => undefined);
  bar?.start();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await sleep(pollMs);
      const s = polling ? await client.status(id).catch(() => undefined) : undefined;
      if (s && polling) show(s);
    }
  })();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const s = await client.upload(id, opts.inPath, opts.query);
        show(s);
        if (!s.created)
          opts.log(`resumed backfill ${id}: ${s.skipped_chunks ?? 0} chunks were already done, ${s.queued_chunks ?? 0} queued`);
        break;
      } catch (e) {
        const err = AppError.fromPlain(e);
        if (!err.retryable || attempt >= attempts) throw err;
        const wait = err.code === 'OVERLOADED' ? 5000 : Math.min(8000, 500 * 2 ** attempt);
        opts.log(
          `upload interrupted (${err.code}: ${err.message}); resuming backfill ${id} in ${wait} ms (attempt ${attempt + 1}/${attempts})`,
        );
        await sleep(wait);
      }
    }
    for (;;) {
      const s = await withRetries(() => client.status(id), attempts);
      show(s);
      if (s.state === 'completed' || s.state === 'cancelled') break;
      await sleep(pollMs);
    }
  } finally {
    polling = false;
    await poller;
    bar?.stop();
  }
  return download(client, id, opts, attempts, summary);
}

async function download(
  client: BackfillFleetClient,
  id: string,
  opts: FleetBackfillOptions,
  attempts: number,
  summary: BackfillSummary,
): Promise<BackfillSummary> {
  for (let attempt = 1; ; attempt++) {
    try {
      for await (const json of client.results(id, summary.total)) {
        const line = JSON.parse(json) as OutputLine;
        summary.add(line);
        const target = line.error === undefined ? opts.out : opts.errOut;
        if (!target.write(`${json}\n`)) await once(target, 'drain');
      }
      return summary;
    } catch (e) {
      const err = AppError.fromPlain(e);
      if (!err.retryable || attempt >= attempts) throw err;
      opts.log(`reading results interrupted (${err.code}); continuing from line ${summary.total + 1}`);
      await sleep(Math.min(8000, 500 * 2 ** attempt));
    }
  }
}

async function withRetries<T>(fn: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = AppError.fromPlain(e);
      if (!err.retryable || attempt >= attempts) throw err;
      await sleep(Math.min(8000, 500 * 2 ** attempt));
    }
  }
}
