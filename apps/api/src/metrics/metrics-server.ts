// /metrics on a port of its own (API_METRICS_PORT): Prometheus scrapes it inside the cluster while
// PORT, the one exposed to clients, no longer serves it (MetricsController is left out then).
// A plain node:http server: one route, no auth, nothing else to route or parse.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, listenOn } from '@emo/contracts';
import type { Registry } from 'prom-client';

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  /** Listens on host:port; resolves once bound (rejects when the port is taken). */
  static async listen(registry: Registry, port: number, host: string): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        const err = new AppError('NOT_FOUND', 'Only GET /metrics is served on this port');
        res.writeHead(err.httpStatus, { 'content-type': 'application/json' }).end(JSON.stringify(err.toBody()));
        return;
      }
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
        () => {
          const err = new AppError('INTERNAL');
          res.writeHead(err.httpStatus, { 'content-type': 'application/json' }).end(JSON.stringify(err.toBody()));
        },
      );
    });
    await listenOn(server, port, host, 'API_METRICS_PORT');
    return new MetricsServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
