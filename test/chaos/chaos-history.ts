// The chaos suite's history: every request the load made and what came back, plus the jobs and
// backfills the API accepted. The checker reads it at the end (one line per accepted item, no bare
// 5xx), so everything a client was promised is written here first.

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface Event {
  readonly at: number;
  readonly what: string;
  readonly status: number | 'network';
  readonly code?: string;
}

export interface AcceptedJob {
  readonly jobId: string;
  /** Item ids in input order (undefined for /v1/classify calls, which send bare texts). */
  readonly ids?: readonly string[];
  readonly items: number;
  readonly via: 'jobs' | 'classify-504';
  /** A /v1/classify call that shared its job with other calls (504 details offset/count): its lines in the job. */
  readonly slice?: { readonly offset: number; readonly count: number };
}

export interface AcceptedBackfill {
  readonly id: string;
  readonly lines: number;
  readonly validIds: ReadonlyMap<number, string>;
}

export class History {
  readonly events: Event[] = [];
  readonly jobs = new Map<string, AcceptedJob>();
  readonly backfills = new Map<string, AcceptedBackfill>();
  /** /v1/classify calls answered 200 whose results did not match their texts (must stay empty). */
  readonly badClassify: string[] = [];
  classifyOk = 0;

  record(what: string, status: number | 'network', body?: unknown): void {
    const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
    this.events.push({ at: Date.now(), what, status, code: typeof code === 'string' ? code : undefined });
  }

  /** 5xx answers other than 503/504 with an error code (must be none). */
  badServerErrors(): Event[] {
    return this.events.filter(
      (e) => typeof e.status === 'number' && e.status >= 500 && !((e.status === 503 || e.status === 504) && e.code),
    );
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.events) {
      const k = `${e.status}${e.code ? ` ${e.code}` : ''}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }
}
