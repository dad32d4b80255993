// The one NDJSON streamer of the API (job results, backfill results and errors): lines in the
// order given, written to the response in batches of NDJSON_BATCH_LINES lines, pulled from the
// source only as fast as the client reads.
//
// Why batches of 256 lines: one write per line costs a stream chunk and, on the wire, a chunked-
// encoding frame per line (a 50k-line job is 50k writes); 256 lines (about 25–75 KB of results)
// amortise that while keeping what one response holds in memory small and bounded. It is also the
// default JOB_CHUNK_SIZE, so a batch is about one stored chunk of results.
//
// Backpressure: Readable.from holds at most one batch (highWaterMark 1), and Fastify pipes it to the
// socket, so the source is not read further while the socket's buffer is full.
//
// A source that fails mid-stream fails the stream: before the first batch went out, the error is
// answered like any other (e.g. 503 QUEUE_UNAVAILABLE: headers are not sent yet); after it, the
// response is cut without its final chunk, so the client sees an incomplete body, never a clean end.
// The lines of an unfinished batch are not sent in either case.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

export const NDJSON_BATCH_LINES = 256;

/** `lines` (no trailing newline) joined into NDJSON batches of `batchLines` lines; the last may be shorter. */
export async function* ndjsonBatches(lines: AsyncIterable<string>, batchLines = NDJSON_BATCH_LINES): AsyncGenerator<string> {
  let batch = '';
  let n = 0;
  for await (const line of lines) {
    batch += `${line}\n`;
    if (++n % batchLines === 0) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

/** A readable byte stream of `lines` as NDJSON, batched (what sendNdjson sends). */
export function ndjsonStream(lines: AsyncIterable<string>, batchLines = NDJSON_BATCH_LINES): Readable {
  return Readable.from(ndjsonBatches(lines, batchLines));
}

/** Sends `lines` as an NDJSON body (content type first, then `headers` in their order). */
export async function sendNdjson(
  reply: FastifyReply,
  lines: AsyncIterable<string>,
  headers: Readonly<Record<string, string | number>> = {},
): Promise<void> {
  reply.header('content-type', 'application/x-ndjson; charset=utf-8');
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  await reply.send(ndjsonStream(lines));
}
