// Regenerates the README's configuration table from the config schema (`emo config --docs`).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
execFileSync(process.execPath, [resolve(root, 'tools/build/build.mjs')], { stdio: 'inherit' });
const table = execFileSync(process.execPath, [resolve(root, 'bin/emo.js'), 'config', '--docs'], { encoding: 'utf8' }).trim();
const readmePath = resolve(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const next = readme.replace(
  /<!-- config-table:start -->[\s\S]*<!-- config-table:end -->/,
  `<!-- config-table:start -->\n${table}\n<!-- config-table:end -->`,
);
writeFileSync(readmePath, next);
console.log(next === readme ? 'README config table already up to date' : 'README config table updated');
