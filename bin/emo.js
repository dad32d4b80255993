#!/usr/bin/env node
// `emo` entry: runs the bundled CLI, building it first if this checkout has not been built.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');
const root = join(__dirname, '..');
const main = join(root, 'dist', 'emo.js');
if (!existsSync(main) || !existsSync(join(root, 'dist', 'inference.worker.js'))) {
  execFileSync(process.execPath, [join(root, 'tools', 'build', 'build.mjs')], { stdio: 'inherit', cwd: root });
}
require(main);
