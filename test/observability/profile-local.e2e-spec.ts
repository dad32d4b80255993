// `emo profile --local FILE` on the in-process engine, staged as "slow model": the shipped
// transformer through one inference thread (no queue, no cache): the texts' time goes to the
// device — running (inference) or waiting for it behind the other batches of their chunk
// (batch_wait) — with the thread saturated, and the advice is about the model.
//
// By construction, on any CPU and under any load (it ran beside `stress-ng --cpu 2` on a 2-core
// machine): every text fills MAX_SEQUENCE_LENGTH, so its device work (128 tokens) dwarfs its host
// work (reading, tokenizing: a few percent of it, slowed alike by other load); the batch budget
// is fixed (BATCH_ADAPTIVE=false: 4096 tokens, 32 texts, 16 batches); the CLI keeps four 64-text
// chunks in flight, so the next batch is always assembled before the running one ends; and the
// window is the whole run (PROFILER_WINDOW_SECONDS=3600), so what it loses is the start (reading
// and tokenizing the first chunk) and the hand-offs between batches, a few percent: the thread is
// busy ≥ 90 % of it (0.93–0.97 recorded here, beside stress-ng and at load averages up to 25; the
// rule's line is 0.8).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileReport } from '@emo/profiler';
import { DEFAULT_MODEL, runEmo, TINY_MODEL } from '../support/run-emo';
import { fullLengthTexts } from './profile-staging';

const SENTENCES = [
  'I honestly cannot believe how thoughtful that gift was, thank you so much for remembering',
  'This is the worst customer service I have ever had and I am never coming back here again',
  'Wait, what? That makes no sense at all, can someone explain what just happened in that game',
  'I am so proud of you for finishing the marathon, you trained for months and it paid off',
];

function textsFile(lines: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'emo-profile-'));
  const file = join(dir, 'texts.txt');
  writeFileSync(file, lines.join('\n'));
  return file;
}

const sentences = (n: number) => Array.from({ length: n }, (_, i) => `${SENTENCES[i % SENTENCES.length]} (${i})`);

describe('emo profile --local', () => {
  it('names the device stages and says the model is the bottleneck for the shipped transformer (slow model)', () => {
    const run = runEmo(['profile', '--local', textsFile(fullLengthTexts(512)), '--model', DEFAULT_MODEL, '--json'], {
      env: { INFERENCE_THREADS: '1', BATCH_ADAPTIVE: 'false', BATCH_MAX_TOKENS: '4096', PROFILER_WINDOW_SECONDS: '3600' },
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ProfileReport;
    expect(report.sources).toEqual({ workers: 0, apis: 0, cli: 1 });
    expect(['inference', 'batch_wait'], JSON.stringify(report.stages)).toContain(report.dominant_stage);
    // The construction: the inference thread was busy through the run.
    expect(report.device.busy_ratio, JSON.stringify(report.device)).toBeGreaterThanOrEqual(0.9);
    expect(report.recommendations[0].code, JSON.stringify(report.recommendations)).toBe('MODEL_BOUND');
    const share = (stage: string) => report.stages.find((s) => s.stage === stage)?.share_of_p95 ?? 0;
    expect(share('inference') + share('batch_wait')).toBeGreaterThan(0.8);
    expect(report.throughput.texts_per_s).toBeGreaterThan(0);
    expect(report.batches.count).toBeGreaterThan(0);
    expect(report.device.kind).toBe('cpu');
  }, 90_000);

  it('prints a readable report for the tiny model, with the stage table and recommendations', () => {
    const run = runEmo(['profile', '--local', textsFile(sentences(300)), '--model', TINY_MODEL]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^profile of the last \d+ s from local engine · model tiny-softmax@/);
    expect(run.stdout).toMatch(/^inference +300 /m);
    expect(run.stdout).toMatch(/◀ dominant/);
    expect(run.stdout).toMatch(/recommendations:\n {2}\[/);
  });

  it('fails with a usage error when the file cannot be read', () => {
    const run = runEmo(['profile', '--local', '/nonexistent/texts.txt', '--model', TINY_MODEL]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/CLI_USAGE: cannot read \/nonexistent\/texts.txt/);
  });

  it('says clearly when no fleet answers at --url', () => {
    const run = runEmo(['profile', '--url', 'http://127.0.0.1:9', '--timeout', '2000']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/QUEUE_UNAVAILABLE: could not reach the fleet API at http:\/\/127.0.0.1:9/);
  });
});
