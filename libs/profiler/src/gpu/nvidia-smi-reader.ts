// Runs the nvidia-smi query. A missing binary means "no NVIDIA GPU here" (CPU-only reporting, no
// error); a failing command (driver not loaded, no devices, timeout) is an error the monitor
// counts and logs once. The process runner is injected so tests replay recorded outputs.
import { execFile } from 'node:child_process';
import { NVIDIA_SMI_ARGS, parseGpuQuery, type GpuSample } from './nvidia-smi-query';

export interface CommandResult {
  readonly stdout: string;
}

export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

export type GpuReading =
  | { readonly status: 'ok'; readonly gpus: GpuSample[] }
  | { readonly status: 'absent' }
  | { readonly status: 'failed'; readonly error: string };

export const execCommand: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout });
    });
  });

export class NvidiaSmiReader {
  constructor(
    private readonly binary = 'nvidia-smi',
    private readonly run: CommandRunner = execCommand,
    private readonly timeoutMs = 5000,
  ) {}

  async read(): Promise<GpuReading> {
    let stdout: string;
    try {
      ({ stdout } = await this.run(this.binary, NVIDIA_SMI_ARGS, this.timeoutMs));
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string; killed?: boolean };
      if (err.code === 'ENOENT' || err.code === 'EACCES') return { status: 'absent' };
      const said = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n')[0];
      return { status: 'failed', error: err.killed ? `timed out after ${this.timeoutMs} ms` : said || err.message };
    }
    const { gpus, skipped } = parseGpuQuery(stdout);
    if (gpus.length === 0) return { status: 'failed', error: skipped[0] ?? 'nvidia-smi listed no GPUs' };
    return { status: 'ok', gpus };
  }
}
