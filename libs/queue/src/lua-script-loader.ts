// Assembles a Lua command from its file and the shared fragments it includes, as BullMQ's
// script-loader does: a line `--- @include "<name>"` is replaced by the fragment `<name>` (its own
// includes resolved first), each fragment at most once per command, so two includes that share a
// helper do not define it twice. A missing fragment or an include cycle fails at once, naming
// the command and the chain of includes.
import { AppError } from '@emo/contracts';

const INCLUDE = /^---\s*@include\s+"([^"]+)"\s*$/;

export class LuaScriptLoader {
  constructor(
    /** Fragment name → Lua source (commands/includes/<name>.lua). */
    private readonly includes: Readonly<Record<string, string>>,
  ) {}

  /** The command's source with every include replaced by its fragment. */
  resolve(command: string, source: string): string {
    return this.expand(source, [command], new Set()).join('\n');
  }

  /** Names of the fragments `source` includes (directly or through other fragments), in order. */
  includesOf(command: string, source: string): string[] {
    const seen = new Set<string>();
    this.expand(source, [command], seen);
    return [...seen];
  }

  private expand(source: string, chain: readonly string[], seen: Set<string>): string[] {
    const out: string[] = [];
    for (const line of source.split('\n')) {
      const name = INCLUDE.exec(line.trim())?.[1];
      if (name === undefined) {
        out.push(line);
        continue;
      }
      if (chain.includes(name)) throw new AppError('INTERNAL', `Lua include cycle: ${[...chain, name].join(' → ')}`);
      if (seen.has(name)) continue;
      const fragment = this.includes[name];
      if (fragment === undefined) {
        throw new AppError(
          'INTERNAL',
          `Lua command ${chain.join(' → ')} includes "${name}", which is not a fragment (known: ${Object.keys(this.includes).join(', ') || 'none'})`,
        );
      }
      seen.add(name);
      out.push(...this.expand(fragment, [...chain, name], seen));
    }
    return out;
  }
}
