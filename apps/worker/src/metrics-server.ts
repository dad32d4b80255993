// The worker's small HTTP listener: GET /metrics (Prometheus text) and GET /healthz (200 while
// taking work, 503 once shutting down).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export class MetricsServer {
  private readonly server: Server;
  draining = false;

  constructor(private readonly registry: Registry) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (e: Error) => res.writeHead(500).end(e.message),
        );
      } else if (req.method === 'GET' && path === '/healthz') {
        res
          .writeHead(this.draining ? 503 : 200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: this.draining ? 'draining' : 'ok' }));
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Resource not found' } }));
      }
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
