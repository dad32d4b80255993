// `npm run quickstart`: the main job on the embedded default — installs what is missing, then
// backfills the example chat log in-process with the shipped model (no Redis) and shows results.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
execFileSync(process.execPath, [resolve(root, 'tools/scripts/ensure-installed.mjs')], { stdio: 'inherit' });
const emo = resolve(root, 'bin/emo.js');
const outDir = resolve(root, 'tmp');
mkdirSync(outDir, { recursive: true });
const out = resolve(outDir, 'chat-log.results.ndjson');
console.log('$ emo classify "thanks so much, this made my day"');
execFileSync(process.execPath, [emo, 'classify', 'thanks so much, this made my day'], { stdio: 'inherit' });
console.log(`\n$ emo backfill examples/chat-log.ndjson --id-field id --out ${out}`);
execFileSync(process.execPath, [emo, 'backfill', resolve(root, 'examples/chat-log.ndjson'), '--id-field', 'id', '--out', out], {
  stdio: 'inherit',
});
console.log(`\nfirst results (${out}):`);
for (const line of readFileSync(out, 'utf8').split('\n').slice(0, 5)) if (line) console.log(line);
