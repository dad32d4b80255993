// Splitting a job's items into queue chunks and finding them again by index.
import type { JobItem } from './fleet-job.types';

export function chunkCount(total: number, chunkSize: number): number {
  return Math.ceil(total / chunkSize);
}

/** Items of chunk `index`: [index*size, min(total, (index+1)*size)). */
export function chunkItems<T>(items: readonly T[], chunkSize: number, index: number): T[] {
  return items.slice(index * chunkSize, (index + 1) * chunkSize);
}

export function chunkLength(total: number, chunkSize: number, index: number): number {
  return Math.max(0, Math.min(chunkSize, total - index * chunkSize));
}

/** Where the result line `offset` lives: the chunk, and how many of its lines come before it. */
export function locateOffset(offset: number, chunkSize: number): { chunk: number; skip: number } {
  return { chunk: Math.floor(offset / chunkSize), skip: offset % chunkSize };
}

export function splitIntoChunks(items: readonly JobItem[], chunkSize: number): JobItem[][] {
  return Array.from({ length: chunkCount(items.length, chunkSize) }, (_, i) => chunkItems(items, chunkSize, i));
}
