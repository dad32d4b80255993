import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AppError } from './app-error';
import { listenError } from './listen';

describe('listenError', () => {
  it('turns a real EADDRINUSE of a taken port into PORT_IN_USE naming the setting and the address', async () => {
    const first = createServer();
    await new Promise<void>((done) => first.listen(0, '127.0.0.1', done));
    const port = (first.address() as { port: number }).port;
    const second = createServer();
    const error = await new Promise<Error>((done) => {
      second.once('error', done);
      second.listen(port, '127.0.0.1');
    });
    await new Promise((done) => first.close(done));
    const sut = listenError(error, 'PORT', '127.0.0.1', port);
    expect(sut).toBeInstanceOf(AppError);
    expect((sut as AppError).code).toBe('PORT_IN_USE');
    expect((sut as AppError).message).toBe(`cannot listen on 127.0.0.1:${port} (PORT): EADDRINUSE`);
  });

  it('leaves any other error as it is', () => {
    const other = new TypeError('boom');
    expect(listenError(other, 'PORT', '0.0.0.0', 8080)).toBe(other);
    expect(listenError(undefined, 'PORT', '0.0.0.0', 8080)).toBeUndefined();
  });
});
