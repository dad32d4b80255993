// `emo serve api|worker|all`: runs the fleet's HTTP API, a queue worker, or both in one process
// (a local fleet on one machine). SIGTERM/SIGINT: stop taking work, finish what is in flight,
// exit 0; a second signal exits at once with 1.
import type { Command } from 'commander';
import { AppError } from '@emo/contracts';
import type { CliContext } from '../cli-context';

interface ServeFlags {
  model?: string;
  port?: string;
  metricsPort?: string;
}

const ROLES = ['api', 'worker', 'all'] as const;

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the fleet: the HTTP API, a queue worker, or both in one process')
    .argument('<role>', ROLES.join('|'))
    .option('--model <dir>', 'model bundle directory for the worker (default: MODEL_DIR or the shipped model)')
    .option('--port <n>', 'API port (default: PORT)')
    .option('--metrics-port <n>', 'worker /metrics port (default: METRICS_PORT)')
    .action(async (role: string, flags: ServeFlags) => {
      if (!(ROLES as readonly string[]).includes(role))
        throw new AppError('CLI_USAGE', `unknown role "${role}"; allowed: ${ROLES.join(', ')}`);
      const config = ctx.config({
        ...(flags.model ? { modelDir: flags.model } : {}),
        ...(flags.port ? { port: flags.port } : {}),
        ...(flags.metricsPort ? { metricsPort: flags.metricsPort } : {}),
      });
      const logger = ctx.fleetLogger;
      const stopped = waitForSignal(logger);
      const closers: (() => Promise<unknown>)[] = [];
      try {
        // The API goes first on the way down (no new work), the worker last (drains what is in flight).
        if (role === 'worker' || role === 'all') {
          // Loaded on demand: the other commands must not pay for Nest, BullMQ and Redis clients.
          const { startWorker } = await import('@emo/worker');
          const worker = await startWorker(config, { logger: logger.child({ role: 'worker' }) });
          closers.push(() => worker.close());
        }
        if (role === 'api' || role === 'all') {
          const { startApi } = await import('@emo/api');
          const api = await startApi(config, { logger: logger.child({ role: 'api' }) });
          closers.unshift(() => api.close());
        }
      } catch (e) {
        // A role that failed to start (its port taken, its model refused) stops the ones that did, and
        // the process ends with the error (exit 1) instead of serving half a fleet.
        for (const close of closers) await close().catch(() => undefined);
        exitSoon(1);
        throw e;
      }
      const signal = await stopped;
      logger.info({ signal }, 'shutting down');
      for (const close of closers) await close();
      logger.info('stopped');
      exitSoon(0);
    });
}

/** Exits even if a library left a handle open; an idle event loop exits before this fires. */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(process.exitCode ?? code), 2000).unref();
}

function waitForSignal(logger: CliContext['logger']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
