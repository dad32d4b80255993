// An input file named on the command line (backfill IN, eval --data): checked before any work, so
// a directory, a missing or an unreadable path is a usage error (exit 2) naming it, never an
// INTERNAL error from the stream that would read it.
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { AppError } from '@emo/contracts';

export interface InputFile {
  /** Bytes of a regular file; undefined for stdin ('-'), a pipe or a device (read as a stream). */
  readonly size?: number;
}

/** `label` names the path in messages (e.g. `--data`); '-' is stdin and needs no check. */
export function checkInputFile(path: string, label?: string): InputFile {
  if (path === '-') return {};
  const what = label ? `${label} ${path}` : path;
  let st: Stats;
  try {
    st = statSync(path);
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new AppError('CLI_USAGE', `cannot read ${what}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new AppError('CLI_USAGE', `cannot read ${what}: it is a directory; give a file (or - for stdin)`);
  return st.isFile() ? { size: st.size } : {};
}
