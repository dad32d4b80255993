// Verifies a model bundle with the JS stack the service uses, and measures it:
//  1. @huggingface/tokenizers gives the same ids as the Python tokenizer (ids file from check_tokenizer.py);
//  2. onnxruntime-node reproduces the torch scores of the parity fixture (max abs diff, tolerance 1e-4);
//  3. throughput at batch 32 (GoEmotions dev texts, file order and length-sorted) and batch-1 latency,
//     intraOpNumThreads = 1, interOpNumThreads = 1, graphOptimizationLevel "all".
// Usage (packages resolved from NODE_MODULES_DIR, a folder that holds node_modules/):
//   NODE_MODULES_DIR=/tmp/tokcheck node tools/train/verify_bundle.mjs --bundle models/goemotions-mini \
//     --fixture test/fixtures/parity/goemotions-mini.json --ids /tmp/emo-train/pyids.json [--write-metrics]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
    return acc;
  }, []),
);
const bundle = args.bundle ?? 'models/goemotions-mini';
const dataDir = args.data ?? '../shared/datasets/goemotions/original';
const require = createRequire(path.join(path.resolve(process.env.NODE_MODULES_DIR ?? '.'), 'noop.js'));
const { Tokenizer } = require('@huggingface/tokenizers');
const ort = require('onnxruntime-node');

const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
const tokCfgPath = path.join(bundle, 'tokenizer_config.json');
const tok = new Tokenizer(readJson(path.join(bundle, 'tokenizer.json')), fs.existsSync(tokCfgPath) ? readJson(tokCfgPath) : {});
const config = readJson(path.join(bundle, 'config.json'));
const maxLen = config.max_position_embeddings;
const pad = config.pad_token_id ?? 0;
const encode = (t) => tok.encode(t).ids.slice(0, maxLen);
const report = {};

if (args.ids) {
  const cases = readJson(args.ids);
  let bad = 0;
  for (const c of cases) {
    const ids = tok.encode(c.t).ids;
    if (ids.length !== c.ids.length || ids.some((x, i) => x !== c.ids[i])) {
      if (bad++ < 5) console.log('MISMATCH', JSON.stringify(c.t), ids, c.ids);
    }
  }
  report.tokenizer_parity = { texts: cases.length, mismatches: bad };
  console.log(`tokenizer parity: ${cases.length} texts, ${bad} mismatches`);
}

const session = await ort.InferenceSession.create(path.join(bundle, 'model.onnx'), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionProviders: ['cpu'],
});
function feeds(idLists) {
  const t = Math.max(...idLists.map((x) => x.length));
  const ids = new BigInt64Array(idLists.length * t).fill(BigInt(pad));
  const mask = new BigInt64Array(idLists.length * t);
  idLists.forEach((x, r) =>
    x.forEach((v, j) => {
      ids[r * t + j] = BigInt(v);
      mask[r * t + j] = 1n;
    }),
  );
  return {
    input_ids: new ort.Tensor('int64', ids, [idLists.length, t]),
    attention_mask: new ort.Tensor('int64', mask, [idLists.length, t]),
  };
}
const post = (v) =>
  config.problem_type === 'multi_label_classification'
    ? v.map((x) => 1 / (1 + Math.exp(-x)))
    : (() => {
        const m = Math.max(...v);
        const e = v.map((x) => Math.exp(x - m));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((x) => x / s);
      })();

if (args.fixture) {
  const fx = readJson(args.fixture);
  let maxDiff = 0,
    idMismatch = 0;
  const idLists = fx.cases.map((c) => {
    const ids = encode(c.text);
    if (JSON.stringify(ids) !== JSON.stringify(c.input_ids)) idMismatch++;
    return c.input_ids;
  });
  for (const [single, lists] of [
    [true, idLists.map((x) => [x])],
    [false, [idLists]],
  ]) {
    let row = 0;
    for (const l of lists) {
      const out = await session.run(feeds(l));
      const n = config.num_labels ?? Object.keys(config.id2label).length;
      for (let r = 0; r < l.length; r++, row++) {
        const s = post(Array.from(out.logits.data.slice(r * n, (r + 1) * n)));
        s.forEach((v, j) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - fx.cases[row].scores[j]));
        });
      }
    }
  }
  report.ort_parity = { cases: fx.cases.length, js_ids_mismatch: idMismatch, max_abs_score_diff: maxDiff };
  console.log(
    `ORT vs torch: ${fx.cases.length} cases (single + one padded batch), max |score diff| ${maxDiff.toExponential(2)}, js id mismatches ${idMismatch}`,
  );
}

if (args.bench !== 'false') {
  const dev = fs
    .readFileSync(path.join(dataDir, 'dev.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]);
  const idLists = dev.map(encode);
  const bench = async (lists, bs) => {
    for (let i = 0; i < 64 * bs && i < lists.length; i += bs) await session.run(feeds(lists.slice(i, i + bs))); // warm-up
    const t0 = performance.now(),
      c0 = process.cpuUsage();
    for (let i = 0; i < lists.length; i += bs) await session.run(feeds(lists.slice(i, i + bs)));
    const c = process.cpuUsage(c0);
    cpuRate[bs === 32 && lists === idLists ? 'file' : 'sorted'] = Math.max(
      cpuRate[bs === 32 && lists === idLists ? 'file' : 'sorted'] ?? 0,
      lists.length / ((c.user + c.system) / 1e6),
    );
    return lists.length / ((performance.now() - t0) / 1000);
  };
  const cpuRate = {};
  // best of --repeat passes (default 3): the figures are for a shared, noisy machine
  const repeat = Number(args.repeat ?? 3);
  let fileOrder = 0,
    sorted = 0,
    lat = null,
    cpuLat = null;
  const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
  for (let r = 0; r < repeat; r++) {
    fileOrder = Math.max(fileOrder, await bench(idLists, 32));
    sorted = Math.max(
      sorted,
      await bench(
        [...idLists].sort((a, b) => a.length - b.length),
        32,
      ),
    );
    const l = [],
      lc = [];
    for (const ids of idLists.slice(0, 1000)) {
      const t0 = performance.now(),
        c0 = process.cpuUsage();
      await session.run(feeds([ids]));
      const c = process.cpuUsage(c0);
      l.push(performance.now() - t0);
      lc.push((c.user + c.system) / 1000);
    }
    l.sort((a, b) => a - b);
    lc.sort((a, b) => a - b);
    cpuLat = cpuLat ?? lc;
    if (q(lc, 0.5) < q(cpuLat, 0.5)) cpuLat = lc;
    if (!lat || q(l, 0.95) < q(lat, 0.95)) lat = l;
  }
  const t0 = performance.now();
  for (const t of dev) tok.encode(t);
  const tokRate = dev.length / ((performance.now() - t0) / 1000);
  report.throughput = {
    device: 'CPU, intraOpNumThreads=1',
    texts: dev.length,
    batch32_file_order_texts_per_s: Math.round(fileOrder),
    batch32_length_sorted_texts_per_s: Math.round(sorted),
    single_text_latency_ms: {
      p50: +q(lat, 0.5).toFixed(3),
      p95: +q(lat, 0.95).toFixed(3),
      p99: +q(lat, 0.99).toFixed(3),
      max: +lat[lat.length - 1].toFixed(3),
      texts: lat.length,
    },
    single_text_cpu_ms: { p50: +q(cpuLat, 0.5).toFixed(3), p95: +q(cpuLat, 0.95).toFixed(3) },
    batch32_texts_per_cpu_second: { file_order: Math.round(cpuRate.file), length_sorted: Math.round(cpuRate.sorted) },
    passes: repeat,
    note: 'best of `passes` passes (throughput: max; latency: the pass with the lowest p95)',
    js_tokenizer_texts_per_s: Math.round(tokRate),
    onnxruntime_node: require('onnxruntime-node/package.json').version,
    node: process.version,
  };
  console.log(JSON.stringify(report.throughput));
}
if (args['write-metrics']) {
  const mp = path.join(bundle, 'metrics.json');
  const m = readJson(mp);
  m.onnxruntime = { ...report, measured_at: new Date().toISOString().slice(0, 10) };
  fs.writeFileSync(mp, JSON.stringify(m, null, 1) + '\n');
  console.log('updated', mp);
}
