// Counts the lines of a file without parsing them (one read, newline bytes only), so a progress
// bar can show lines done out of lines in the file while the work goes on beside it.
import { createReadStream } from 'node:fs';

/** Lines of the file: newlines, plus a last line without one. Rejects when the file cannot be read. */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1];
  }
  return last === 10 ? lines : lines + 1;
}
