// A server that cannot bind its address (`emo serve`: the API's PORT, a /metrics port) fails its
// start with PORT_IN_USE naming the setting, not with Node's bare `listen EADDRINUSE` as INTERNAL.
import type { Server } from 'node:net';
import { AppError } from './app-error';

const BIND_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** `e` as PORT_IN_USE when it is a bind error of `setting` (host:port); any other error as it is. */
export function listenError(e: unknown, setting: string, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !BIND_ERRORS.has(code)) return e;
  return new AppError('PORT_IN_USE', `cannot listen on ${host}:${port} (${setting}): ${code}`);
}

/** Binds `server` to host:port (the bound port back: 0 picks one); a bind error rejects as `listenError`. */
export function listenOn(server: Server, port: number, host: string, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (e: Error) => reject(listenError(e, setting, host, port));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
