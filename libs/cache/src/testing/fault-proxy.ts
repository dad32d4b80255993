// A TCP proxy in front of Redis for fault tests, so they never disturb the shared Redis:
// `pass` forwards, `paused` holds client bytes and forwards them on resume (like CLIENT PAUSE:
// a hung Redis that answers late, in order), `down` refuses connections and drops open ones.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type FaultMode = 'pass' | 'paused' | 'down';

export class FaultProxy {
  mode: FaultMode = 'pass';
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly held: [Socket, Buffer][] = [];
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Client writes held in `paused` mode and not yet forwarded (a command Redis has not seen). */
  get heldWrites(): number {
    return this.held.length;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Drops every open connection; with `down` also stops listening. */
  async setMode(mode: FaultMode): Promise<void> {
    this.mode = mode;
    if (mode === 'down') {
      for (const s of this.sockets) s.destroy();
      await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
      this.server = undefined;
    } else if (!this.server) {
      await this.start(this.port);
    }
    if (mode === 'pass') for (const [up, data] of this.held.splice(0)) if (!up.destroyed) up.write(data);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private accept(client: Socket): void {
    const upstream = createConnection(this.target);
    this.sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('data', (d) => (this.mode === 'pass' ? upstream.write(d) : this.held.push([upstream, d])));
    upstream.on('data', (d) => client.write(d));
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  }
}
