// The progress bar of a backfill (local or through the fleet), in lines of the input: lines done
// out of lines in the file with a percentage and an ETA once the total is known (counted beside
// the work, or said by the fleet), a plain count of lines done until then. Drawn on stderr by
// cli-progress.
import { Format, SingleBar, type Options } from 'cli-progress';

export interface ProgressFigures {
  readonly done: number;
  /** Lines in the input; undefined while not known. */
  readonly total?: number;
  readonly textsPerSecond: number;
  /** Fleet backfills: the backfill's state (uploading, running, …). */
  readonly state?: string;
}

/** The line cli-progress draws for the figures (its bar for the share done, when the total is known). */
export function progressLine(figures: ProgressFigures, options: Options): string {
  const rate = Math.round(figures.textsPerSecond);
  const state = figures.state ? ` | ${figures.state}` : '';
  if (figures.total === undefined || figures.total <= 0) return `backfill | ${figures.done} lines | ${rate} texts/s${state}`;
  const total = Math.max(figures.total, figures.done);
  const share = figures.done / total;
  const left = total - figures.done;
  const eta = left === 0 ? 0 : rate > 0 ? Math.ceil(left / rate) : '?';
  const bar = Format.BarFormat(share, options);
  return `backfill [${bar}] ${Math.floor(share * 100)}% | ${figures.done}/${total} lines | ${rate} texts/s | ETA ${eta}s${state}`;
}

export class TextProgress {
  private figures: ProgressFigures = { done: 0, textsPerSecond: 0 };
  private readonly bar: SingleBar;

  constructor(stream: NodeJS.WritableStream = process.stderr) {
    this.bar = new SingleBar({
      stream,
      noTTYOutput: false,
      // Everything comes from the figures of the last update (cli-progress's own total and ETA are not used).
      format: (options) => progressLine(this.figures, options),
    });
  }

  start(): void {
    this.bar.start(1, 0);
  }

  update(figures: ProgressFigures): void {
    this.figures = figures;
    this.bar.update(figures.done);
  }

  /** Known at last: the lines of the input. */
  setTotal(total: number): void {
    this.update({ ...this.figures, total });
  }

  stop(): void {
    this.bar.stop();
  }
}
