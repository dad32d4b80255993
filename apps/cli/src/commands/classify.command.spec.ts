import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ClassifyOutcome } from '@emo/contracts';
import { jsonLines, runCliCaptured, testEnv } from '../testing/run-cli-captured';
import { classifyTable, readTextLines } from './classify.command';

const bytes = (...parts: (string | number[])[]) =>
  Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe(classifyTable.name, () => {
  it('shows each text shortened, its labels with two-decimal scores, or its error in its place', () => {
    const outcomes: ClassifyOutcome[] = [
      {
        labels: [
          { label: 'joy', score: 0.914 },
          { label: 'love', score: 0.5 },
        ],
        model: 'm',
      },
      { error: { code: 'TEXT_EMPTY', message: 'Text is empty' } },
      { labels: [], model: 'm' },
    ];
    const sut = classifyTable(['so happy', '', `long ${'x'.repeat(60)}`], outcomes).split('\n');
    expect(sut).toHaveLength(5);
    expect(sut[0]).toMatch(/^text +emotions$/);
    expect(sut[2]).toMatch(/^so happy +joy 0\.91, love 0\.50$/);
    expect(sut[3]).toMatch(/^ +error TEXT_EMPTY: Text is empty$/);
    expect(sut[4]).toMatch(/^long x+… {2}\(none above threshold\)$/);
  });
});

describe(`${classifyTable.name} with scores`, () => {
  it("adds a column of every label's score, highest first (empty for an error)", () => {
    const outcomes: ClassifyOutcome[] = [
      { labels: [{ label: 'joy', score: 0.914 }], scores: { anger: 0.01, joy: 0.914, love: 0.3 }, model: 'm' },
      { error: { code: 'TEXT_EMPTY', message: 'Text is empty' } },
    ];
    const sut = classifyTable(['so happy', ''], outcomes, { scores: true }).split('\n');
    expect(sut[0]).toMatch(/^text +emotions +scores$/);
    expect(sut[2]).toMatch(/^so happy +joy 0\.91 +joy 0\.91, love 0\.30, anger 0\.01$/);
    expect(sut[3]).toMatch(/^ +error TEXT_EMPTY: Text is empty$/);
  });
});

describe(readTextLines.name, () => {
  it('splits lines across chunks, drops the CR of CRLF, and keeps an empty line in its place', async () => {
    expect(await readTextLines(bytes('first\r\nsec', 'ond\n\nlast'))).toEqual(['first', 'second', '', 'last']);
  });

  it('keeps a genuine U+FFFD but escapes bytes that are not UTF-8 so the text fails on its own', async () => {
    const sut = await readTextLines(bytes('ok \uFFFD\n', [0x63, 0x61, 0x66, 0xff, 0x0a]));
    expect(sut[0]).toBe('ok \uFFFD');
    expect(sut[1]).not.toContain('\uFFFD');
    expect(sut[1].startsWith('caf')).toBe(true);
  });
});

describe('emo classify', () => {
  it('prints one JSON result per text argument, in order, with an empty text failing in its place', async () => {
    const sut = await runCliCaptured(['classify', '--json', 'I love this', '   ', 'awful, just awful']);
    expect(sut.code).toBe(0);
    const lines = jsonLines(sut.stdout);
    expect(lines.map((l) => (l.error ? (l.error as { code: string }).code : 'ok'))).toEqual(['ok', 'TEXT_EMPTY', 'ok']);
    expect(lines[0]).toMatchObject({ labels: expect.any(Array), model: expect.stringMatching(/^tiny-softmax@[0-9a-f]{12}$/) });
    expect(lines[0]).not.toHaveProperty('scores');
  });

  it('adds every label score with --scores', async () => {
    const sut = await runCliCaptured(['classify', '--json', '--scores', 'I love this']);
    expect(sut.code).toBe(0);
    expect(Object.keys(jsonLines(sut.stdout)[0].scores as object).sort()).toEqual(['negative', 'neutral', 'positive']);
  });

  it('shows every label score in the table with --scores (not only with --json)', async () => {
    const sut = await runCliCaptured(['classify', '--scores', 'I love this']);
    expect(sut.code).toBe(0);
    const lines = sut.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^text +emotions +scores$/);
    expect(lines[2]).toMatch(
      / (negative|neutral|positive) \d\.\d\d, (negative|neutral|positive) \d\.\d\d, (negative|neutral|positive) \d\.\d\d$/,
    );
  });

  it('prints a table for people by default', async () => {
    const sut = await runCliCaptured(['classify', 'I love this', '']);
    expect(sut.code).toBe(0);
    const lines = sut.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^I love this +(negative|neutral|positive) \d\.\d\d|^I love this +\(none above threshold\)$/);
    expect(lines[3]).toMatch(/error TEXT_EMPTY/);
  });

  it('answers with the shipped GoEmotions model when no model is configured', async () => {
    const sut = await runCliCaptured(
      ['classify', '--json', '--scores', 'thanks so much, this made my day'],
      testEnv({ MODEL_DIR: undefined }),
    );
    expect(sut.code).toBe(0);
    const [line] = jsonLines(sut.stdout);
    expect(line.model).toMatch(/^goemotions-mini@/);
    expect(Object.keys(line.scores as object)).toHaveLength(28);
  });

  it('fails with MODEL_NOT_FOUND (exit 1) for a model directory that does not exist', async () => {
    const sut = await runCliCaptured(['classify', '--model', '/nonexistent/model-dir', 'x']);
    expect(sut.code).toBe(1);
    expect(sut.stderr.trim()).toMatch(/^emo: MODEL_NOT_FOUND: /);
    expect(sut.stdout).toBe('');
  });
});
