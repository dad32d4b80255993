// Network namespace for the partition fault: a worker runs inside it and reaches Redis through a
// veth pair; taking the root-side link down cuts it off (this kernel has no netem), up heals it.
import { execFileSync } from 'node:child_process';

export class Netns {
  readonly name: string;
  readonly rootDev: string;
  readonly nsDev: string;
  readonly rootAddr: string;
  readonly nsAddr: string;

  constructor(tag: string, subnet: number) {
    this.name = `emo-chaos-${tag}`;
    this.rootDev = `ech${tag}a`.slice(0, 15);
    this.nsDev = `ech${tag}b`.slice(0, 15);
    this.rootAddr = `10.231.${subnet}.1`;
    this.nsAddr = `10.231.${subnet}.2`;
  }

  create(): void {
    this.destroy();
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    ip('netns', 'add', this.name);
    ip('link', 'add', this.rootDev, 'type', 'veth', 'peer', 'name', this.nsDev);
    ip('link', 'set', this.nsDev, 'netns', this.name);
    ip('addr', 'add', `${this.rootAddr}/30`, 'dev', this.rootDev);
    ip('link', 'set', this.rootDev, 'up');
    ip('netns', 'exec', this.name, 'ip', 'addr', 'add', `${this.nsAddr}/30`, 'dev', this.nsDev);
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', this.nsDev, 'up');
    ip('netns', 'exec', this.name, 'ip', 'link', 'set', 'lo', 'up');
  }

  /** Partition (link down: packets to and from the namespace are dropped) or heal it. */
  partition(on: boolean): void {
    execFileSync('ip', ['link', 'set', this.rootDev, on ? 'down' : 'up'], { stdio: 'ignore' });
  }

  destroy(): void {
    for (const args of [
      ['link', 'del', this.rootDev],
      ['netns', 'del', this.name],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        // not there
      }
    }
  }
}
