// The worker's small HTTP listener: GET /metrics (Prometheus text) and GET /healthz (readiness:
// 200 while taking work, naming the execution provider it runs on; 503 once shutting down, or
// with the error code and reason when the worker refuses to take work, e.g. PROVIDER_FALLBACK_REFUSED).
import { createServer, type Server } from 'node:http';
import { listenOn, type AppError } from '@emo/contracts';
import type { Registry } from 'prom-client';

/** What /healthz reports about the engine when the worker is taking work. */
export interface ServingState {
  readonly provider: string;
  readonly requestedProviders: readonly string[];
  /** Providers that failed to load before `provider`, with the reason (a fallback the operator allowed). */
  readonly providerFailures: readonly string[];
}

export class MetricsServer {
  private readonly server: Server;
  draining = false;
  /** Set when the worker will not take work: /healthz answers 503 with this error. */
  notReady: AppError | undefined;
  serving: ServingState | undefined;

  constructor(private readonly registry: Registry) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (e: Error) => res.writeHead(500).end(e.message),
        );
      } else if (req.method === 'GET' && path === '/healthz') {
        const [status, body] = this.health();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Resource not found' } }));
      }
    });
  }

  private health(): [number, Record<string, unknown>] {
    if (this.draining) return [503, { status: 'draining' }];
    if (this.notReady) return [503, { status: 'not_ready', ...this.notReady.toBody() }];
    if (!this.serving) return [200, { status: 'ok' }];
    const { provider, requestedProviders, providerFailures } = this.serving;
    return [
      200,
      {
        status: 'ok',
        provider,
        requested_providers: requestedProviders,
        ...(providerFailures.length > 0 ? { fallback: { allowed_by: 'ALLOW_CPU_FALLBACK', failures: providerFailures } } : {}),
      },
    ];
  }

  listen(port: number, host: string): Promise<number> {
    return listenOn(this.server, port, host, 'METRICS_PORT');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
