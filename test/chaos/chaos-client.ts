// The HTTP client of the chaos suite: every call is written to the history (a network error too,
// as the API may be down or killed), and a slow upload can be left half-sent for the API kill.
import { request } from 'node:http';
import type { Answer, History } from './chaos-history';

export class Client {
  constructor(
    readonly base: string,
    private readonly key: string,
    private readonly history: History,
  ) {}

  get authorization(): string {
    return `Bearer ${this.key}`;
  }

  /** One HTTP call, recorded; a network error (API down or killed) resolves to undefined. */
  async call(
    method: string,
    path: string,
    opts: { json?: unknown; body?: string; contentType?: string; what?: string; timeoutMs?: number } = {},
  ): Promise<Answer | undefined> {
    const what = opts.what ?? `${method} ${path.replace(/[?].*$/, '').replace(/\/[0-9a-f-]{36}|\/chaos-[\w-]+/g, '/:id')}`;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: this.authorization,
          ...(opts.json !== undefined
            ? { 'content-type': 'application/json' }
            : opts.contentType
              ? { 'content-type': opts.contentType }
              : {}),
        },
        body: opts.json !== undefined ? JSON.stringify(opts.json) : opts.body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
      });
      const text = await res.text();
      let body: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('application/json')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      this.history.record(what, res.status, body);
      return { status: res.status, body, headers: res.headers };
    } catch {
      this.history.record(what, 'network');
      return undefined;
    }
  }

  /** Half of `body` sent, the request left open: resolves once the API has read some of it. */
  startSlowUpload(path: string, firstPart: string, contentType: string): { abort: () => void } {
    const req = request(`${this.base}${path}`, {
      method: 'POST',
      headers: { authorization: this.authorization, 'content-type': contentType },
    });
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    req.write(firstPart);
    return { abort: () => req.destroy() };
  }
}
