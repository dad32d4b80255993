// `emo profile [--url URL] [--json]`: the fleet's bottleneck report from GET /v1/profile (default
// http://127.0.0.1:PORT); `emo profile --local FILE` profiles the in-process engine on the lines
// of FILE instead. A readable report, or the report object with --json.
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { AppError, isErrorCode } from '@emo/contracts';
import { formatProfileReport, ProfilingRuntime, type ProfileReport } from '@emo/profiler';
import type { CliContext } from '../cli-context';
import { apiBaseUrl } from '../fleet/api-url';
import { fleetApiKey } from '../fleet/fleet-auth';

interface ProfileFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
  local?: string;
  model?: string;
  timeout?: string;
}

const LOCAL_CHUNK = 64;
const LOCAL_CHUNKS_IN_FLIGHT = 4;

export function registerProfile(program: Command, ctx: CliContext): void {
  program
    .command('profile')
    .description('where the time goes: per-stage p50/p95, throughput, cache, device, queue, and what to change')
    .option('--url <url>', 'API base URL of the fleet (default: http://127.0.0.1:PORT)')
    .option('--api-key <key>', 'API key with the admin scope (default: EMO_API_KEY, else the first of API_ADMIN_KEYS, then API_KEYS)')
    .option('--local <file>', 'profile the in-process engine on the lines of this file instead of a fleet')
    .option('--model <dir>', 'model bundle directory (with --local)')
    .option('--timeout <ms>', 'HTTP timeout', '10000')
    .option('--json', 'print the report as one JSON object')
    .action(async (flags: ProfileFlags) => {
      const timeoutMs = Number(flags.timeout ?? 10_000);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
        throw new AppError('CLI_USAGE', `--timeout must be a positive integer of milliseconds, got ${flags.timeout}`);
      const report = flags.local ? await profileLocal(ctx, flags.local, flags.model) : await fetchReport(ctx, flags, timeoutMs);
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatProfileReport(report)}\n`);
    });
}

async function fetchReport(ctx: CliContext, flags: ProfileFlags, timeoutMs: number): Promise<ProfileReport> {
  const config = ctx.config();
  const base = (flags.url ? apiBaseUrl(flags.url, '--url').toString() : `http://127.0.0.1:${config.api.port}`).replace(/\/+$/, '');
  // GET /v1/profile needs the admin scope: an admin key of API_ADMIN_KEYS first.
  const key = fleetApiKey(flags.apiKey, config);
  let res: Response;
  try {
    res = await fetch(`${base}/v1/profile`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new AppError(
      'QUEUE_UNAVAILABLE',
      `could not reach the fleet API at ${base} (${(e as Error).message}); pass --url or start it with \`emo serve all\``,
    );
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | ProfileReport | undefined;
  if (!res.ok) {
    const err = body && 'error' in body ? body.error : undefined;
    throw new AppError(
      err?.code && isErrorCode(err.code) ? err.code : 'INTERNAL',
      `GET ${base}/v1/profile: ${res.status} ${err?.message ?? ''}`.trim(),
    );
  }
  return body as ProfileReport;
}

async function profileLocal(ctx: CliContext, file: string, model?: string): Promise<ProfileReport> {
  // Before the model loads: a file that cannot be read is a usage error.
  await access(file, constants.R_OK).catch((e: Error) => {
    throw new AppError('CLI_USAGE', `cannot read ${file}: ${e.message}`);
  });
  const config = ctx.config(model ? { modelDir: model } : {});
  const profiling = await ProfilingRuntime.start(
    { ...config.profiler, profilerEnabled: true, profilerSampleRate: 1 },
    {
      role: 'cli',
      logger: ctx.logger,
      capacity: { inferenceSlots: config.engine.inferenceThreads, maxBudgetTokens: config.batching.batchMaxTokens },
    },
  );
  const engine = await ctx.engine({ model }, {}, profiling.engineOptions());
  profiling.profiler.setModel(engine.modelId);
  try {
    // Like a worker: a few chunks in flight, so the engine's batcher always has the next batch.
    const inFlight = new Set<Promise<void>>();
    let chunk: string[] = [];
    const run = async () => {
      const texts = chunk;
      chunk = [];
      const done = engine.classify(texts, { priority: 'bulk' }).then((outcomes) => {
        profiling.profiler.countTexts(outcomes.length, { errors: outcomes.filter((o) => 'error' in o).length });
      });
      inFlight.add(done);
      done.finally(() => inFlight.delete(done)).catch(() => undefined); // its error surfaces through race/all below
      if (inFlight.size >= LOCAL_CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
    };
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        chunk.push(line);
        if (chunk.length >= LOCAL_CHUNK) await run();
      }
    } catch (e) {
      throw new AppError('CLI_USAGE', `cannot read ${file}: ${(e as Error).message}`);
    }
    if (chunk.length > 0) await run();
    await Promise.all(inFlight);
    return await profiling.report();
  } finally {
    await engine.close();
    await profiling.close();
  }
}
