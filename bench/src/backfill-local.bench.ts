// `emo bench backfill-local`: a local backfill of a generated chat log in a fresh `emo` process;
// reports its throughput and peak RSS (memory must stay flat whatever the input size).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '@emo/model';
import { goEmotionsPath, loadGoEmotionsTexts } from './bench-data';
import { writeChatLog } from './chat-log-generator';

/** `data`: the GoEmotions TSV the messages are drawn from (default: the train split). */
export async function benchBackfillLocal(opts: {
  lines: number;
  data?: string;
  log?: (m: string) => void;
}): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'emo-bench-backfill-'));
  try {
    const input = join(dir, 'chat.ndjson');
    await writeChatLog(input, { messages: opts.lines, texts: loadGoEmotionsTexts(opts.data ?? goEmotionsPath('train')) });
    opts.log?.(`generated ${opts.lines} messages in ${input}`);
    const emo = join(packageRoot(), 'bin', 'emo.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [emo, 'backfill', input, '--out', join(dir, 'out.ndjson'), '--id-field', 'id', '--json', '--no-progress'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as {
      texts: number;
      texts_per_s: number;
      peak_rss_mb: number;
      errors: number;
    };
    return {
      suite: 'backfill-local',
      lines: summary.texts,
      errors: summary.errors,
      backfill_texts_per_s: summary.texts_per_s,
      backfill_peak_rss_mb: summary.peak_rss_mb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
