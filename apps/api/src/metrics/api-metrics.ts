// Prometheus metrics of one API process: requests and latency by route and status, and the
// fleet's queue depth by state. `emo_queue_backlog{queue}` (waiting + prioritized + delayed) is
// the figure autoscaling reads.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { COUNTED_STATES, PRIORITIES, type FleetQueues } from '@emo/queue';

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'emo_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'emo_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(queues: Pick<FleetQueues, 'allCounts'>) {
    collectDefaultMetrics({ register: this.registry });
    // One count per scrape feeds both gauges.
    let pending: Promise<void> | undefined;
    const refresh = (): Promise<void> =>
      (pending ??= queues
        .allCounts()
        .then((all) => {
          for (const queue of PRIORITIES) {
            for (const state of COUNTED_STATES) jobs.set({ queue, state }, all[queue][state]);
            backlog.set({ queue }, all[queue].backlog);
          }
        })
        .finally(() => {
          pending = undefined;
        }));
    const jobs = new Gauge({ name: 'emo_queue_jobs', help: 'Chunks in the fleet queues by queue and BullMQ state', labelNames: ['queue', 'state'], registers: [this.registry], collect: refresh });
    const backlog = new Gauge({ name: 'emo_queue_backlog', help: 'Chunks not yet picked up (waiting + prioritized + delayed), by queue', labelNames: ['queue'], registers: [this.registry], collect: refresh });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }
}
