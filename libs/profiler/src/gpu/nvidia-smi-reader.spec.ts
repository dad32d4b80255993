import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvidiaSmiReader, type CommandRunner } from './nvidia-smi-reader';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** Replays a recorded nvidia-smi run: its stdout and exit code (as execFile reports them). */
function recorded(stdout: string, exitCode = 0): CommandRunner {
  return async () => {
    if (exitCode === 0) return { stdout };
    throw Object.assign(new Error(`Command failed: nvidia-smi (exit ${exitCode})`), { code: exitCode, stdout, stderr: '' });
  };
}

describe(NvidiaSmiReader.name, () => {
  describe('read', () => {
    it('returns the GPUs of a successful query', async () => {
      const sut = new NvidiaSmiReader('nvidia-smi', recorded(fixture('four-a100.csv')));
      const reading = await sut.read();
      expect(reading.status).toBe('ok');
      expect(reading.status === 'ok' && reading.gpus.length).toBe(4);
    });

    it("reports a driver failure (exit 9) with nvidia-smi's own words", async () => {
      const sut = new NvidiaSmiReader('nvidia-smi', recorded(fixture('driver-failure.txt'), 9));
      expect(await sut.read()).toEqual({ status: 'failed', error: expect.stringMatching(/couldn't communicate with the NVIDIA driver/) });
    });

    it('reports "No devices were found" (exit 6) as a failure', async () => {
      const sut = new NvidiaSmiReader('nvidia-smi', recorded(fixture('no-devices.txt'), 6));
      expect(await sut.read()).toEqual({ status: 'failed', error: 'No devices were found' });
    });

    it('treats a zero-exit answer with no GPU line as a failure, not as zero GPUs', async () => {
      const sut = new NvidiaSmiReader('nvidia-smi', recorded('garbage\n'));
      expect((await sut.read()).status).toBe('failed');
    });

    it('reports a missing binary as absent (a real spawn of a path that does not exist)', async () => {
      const sut = new NvidiaSmiReader('/nonexistent/bin/nvidia-smi');
      expect(await sut.read()).toEqual({ status: 'absent' });
    });

    it('reports a hung nvidia-smi as timed out', async () => {
      const sut = new NvidiaSmiReader(
        process.execPath,
        async () => {
          throw Object.assign(new Error('killed'), { killed: true, signal: 'SIGTERM' });
        },
        50,
      );
      expect(await sut.read()).toEqual({ status: 'failed', error: 'timed out after 50 ms' });
    });
  });
});
