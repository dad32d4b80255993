// The optimized-model cache of createOrtSession: a second session of the same model and level
// reuses the optimized file; a changed model, level or provider never does (each has its own key),
// and a torn cache file is rebuilt instead of loaded.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrtSession, optimizedModelPath, type SessionRequest } from './ort-session-factory';

const TINY = resolve(__dirname, '../../../../test/fixtures/models/tiny-softmax/model.onnx');
const work = mkdtempSync(join(tmpdir(), 'emo-opt-cache-'));
let cacheDir: string;
let n = 0;

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const request = (modelPath: string, over: Partial<SessionRequest> = {}): SessionRequest => ({
  modelPath,
  modelSha256: sha256(modelPath),
  providers: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpThreads: 1,
  cacheDir,
  ...over,
});

/** A copy of the tiny model whose classifier bias is changed, so its answers differ. */
function changedModel(): string {
  const bytes = Buffer.from(readFileSync(TINY));
  // TensorProto "classifier.bias" is followed by raw_data: tag 0x4a, length 12 (3 floats).
  const at = bytes.indexOf(Buffer.concat([Buffer.from('classifier.bias'), Buffer.from([0x4a, 0x0c])]));
  expect(at).toBeGreaterThan(0);
  const bias = at + 'classifier.bias'.length + 2;
  [4, -4, 0].forEach((v, i) => bytes.writeFloatLE(v, bias + 4 * i));
  const path = join(work, `changed-${n++}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

async function logits(session: ort.InferenceSession): Promise<number[]> {
  const ids = new BigInt64Array([2n, 20n, 30n, 3n]);
  const mask = new BigInt64Array([1n, 1n, 1n, 1n]);
  const out = await session.run({ input_ids: new ort.Tensor('int64', ids, [1, 4]), attention_mask: new ort.Tensor('int64', mask, [1, 4]) });
  return Array.from(out[session.outputNames[0]].data as Float32Array);
}

async function open(req: SessionRequest) {
  const created = await createOrtSession(req);
  const out = await logits(created.session);
  await created.session.release();
  return { ...created, out };
}

beforeEach(() => {
  cacheDir = join(work, `cache-${n++}`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('createOrtSession optimized-model cache', () => {
  it('writes the optimized model once and reuses it, with the same answers', async () => {
    const first = await open(request(TINY));
    expect(first.fromCache).toBe(false);
    expect(first.cachePath && existsSync(first.cachePath)).toBe(true);
    const written = statSync(first.cachePath as string).mtimeMs;

    const second = await open(request(TINY));
    expect(second).toMatchObject({ fromCache: true, cachePath: first.cachePath });
    expect(second.out).toEqual(first.out);
    expect(statSync(first.cachePath as string).mtimeMs).toBe(written);
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it('never serves a changed model from the file optimized for the old one', async () => {
    const original = await open(request(TINY));
    const changedPath = changedModel();
    const changed = await open(request(changedPath));
    expect(changed.fromCache).toBe(false);
    expect(changed.cachePath).not.toBe(original.cachePath);
    // Its answers are the changed model's own (as without any cache), not the stale ones.
    const uncached = await open(request(changedPath, { cacheDir: undefined }));
    expect(changed.out).toEqual(uncached.out);
    expect(changed.out).not.toEqual(original.out);
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('keys a model file replaced in place by its new content, not its path', async () => {
    const path = join(work, `in-place-${n++}.onnx`);
    copyFileSync(TINY, path);
    const before = await open(request(path));
    copyFileSync(changedModel(), path);
    const after = await open(request(path));
    expect(after.fromCache).toBe(false);
    expect(after.out).not.toEqual(before.out);
  });

  it('keeps one file per optimization level and provider', async () => {
    const all = await open(request(TINY, { graphOptimizationLevel: 'all' }));
    const basic = await open(request(TINY, { graphOptimizationLevel: 'basic' }));
    expect(basic.fromCache).toBe(false);
    expect(basic.cachePath).not.toBe(all.cachePath);
    expect(basic.out.map((x) => x.toFixed(4))).toEqual(all.out.map((x) => x.toFixed(4)));
    expect((await open(request(TINY, { graphOptimizationLevel: 'basic' }))).fromCache).toBe(true);
    expect(optimizedModelPath(request(TINY), 'cuda')).not.toBe(optimizedModelPath(request(TINY), 'cpu'));
  });

  it('writes no cache file for level "disabled" or without a cache dir', async () => {
    const disabled = await open(request(TINY, { graphOptimizationLevel: 'disabled' }));
    expect(disabled).toMatchObject({ fromCache: false, cachePath: undefined });
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
    expect((await open(request(TINY, { cacheDir: undefined }))).cachePath).toBeUndefined();
  });

  it('rebuilds a torn cache file instead of loading it', async () => {
    const first = await open(request(TINY));
    writeFileSync(first.cachePath as string, Buffer.from('torn'));
    const again = await open(request(TINY));
    expect(again.fromCache).toBe(false);
    expect(again.out).toEqual(first.out);
    expect(statSync(first.cachePath as string).size).toBeGreaterThan(100);
  });
});
