// The README's configuration table is generated from the schema; this keeps it from drifting.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDocRows } from '@emo/config';

describe('README configuration table', () => {
  it('lists exactly the settings of the config schema (regenerate: node tools/scripts/update-readme-config.mjs)', () => {
    const readme = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8');
    const block = /<!-- config-table:start -->([\s\S]*)<!-- config-table:end -->/.exec(readme)?.[1] ?? '';
    const rows = block.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toEqual(configDocRows());
  });
});
