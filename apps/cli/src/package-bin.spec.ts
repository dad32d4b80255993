// `emo` as a command (issue 17, 12): the root package `emo-fleet` declares the bin `emo`, so npm runs
// it for `npx emo` inside the checkout and links it by `npm link` / `npm install -g`; the README says
// how, and warns that `npx emo` elsewhere fetches the unrelated registry package `emo`.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './testing/run-cli-captured';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  private?: boolean;
  bin?: Record<string, string>;
};

describe('the emo bin', () => {
  it('is declared by the root package emo-fleet (private: never published, so never confused with the registry emo)', () => {
    expect(pkg).toMatchObject({ name: 'emo-fleet', private: true, bin: { emo: 'bin/emo.js' } });
  });

  it('is an executable node script (a linked bin runs without `node` in front)', () => {
    const bin = join(REPO_ROOT, 'bin/emo.js');
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(() => accessSync(bin, constants.X_OK)).not.toThrow();
  });

  it('is documented: npx emo inside the checkout, npm link for elsewhere, and the registry trap', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('`npx emo …` (or `npm exec -- emo …`)');
    expect(readme).toContain('`npm link` in the checkout');
    expect(readme).toContain('**Never `npx emo` outside the checkout without the link**');
  });
});
