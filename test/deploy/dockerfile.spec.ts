// Lints the Dockerfiles of deploy/docker: dockerfile-utils (the validator behind the VS Code
// Dockerfile language service) must report nothing, and our rules hold: pinned base images, no
// remote ADD, final images run as a numeric non-root user with a HEALTHCHECK, COPY sources exist
// and are inside the build context its .dockerignore leaves, the ORT install mode per image.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/deploy-paths';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly name?: string;
  readonly from: string;
  readonly instructions: Instruction[];
}

/** Instructions of a Dockerfile: continuation lines joined, comments and parser directives dropped. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword, rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [, from, name] = /^(?:--platform=\S+ )?(\S+)(?: AS (\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.args.split('=');
      args[name] = value;
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return { args, stages };
}

const expand = (s: string, args: Record<string, string>) =>
  s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => args[a ?? b] ?? '');

/** The instructions a stage sees, its ancestors' first (FROM <earlier stage>). */
function lineage(stages: readonly Stage[], stage: Stage): Instruction[] {
  const parent = stages.find((s) => s.name === stage.from);
  return [...(parent ? lineage(stages, parent) : []), ...stage.instructions];
}

const DOCKERFILES = [
  { file: 'deploy/docker/Dockerfile', finals: ['api', 'worker'], ortInstall: 'skip' },
  { file: 'deploy/docker/gpu.Dockerfile', finals: ['worker-gpu'], ortInstall: 'cuda12' },
] as const;

describe.each(DOCKERFILES)('$file', ({ file, finals, ortInstall }) => {
  const text = readFileSync(resolve(repoRoot, file), 'utf8');
  const { args, stages } = parseDockerfile(text);
  const finalStages = finals.map((name) => stages.find((s) => s.name === name));

  it('has no dockerfile-utils diagnostics', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('pins every external base image to a versioned tag', () => {
    for (const stage of stages) {
      if (stages.some((s) => s.name === stage.from)) continue;
      const image = expand(stage.from, args);
      expect(image, stage.from).toMatch(/^[\w./-]+:[\w.-]*\d[\w.-]*$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('never ADDs remote URLs', () => {
    for (const stage of stages) for (const i of stage.instructions) expect(i.keyword === 'ADD' && /https?:\/\//.test(i.args)).toBe(false);
  });

  it.each(finals)('final image %s runs as a numeric non-root user, with a HEALTHCHECK and a command', (name) => {
    const stage = finalStages[finals.indexOf(name as never)];
    expect(stage).toBeDefined();
    const all = lineage(stages, stage as Stage);
    const user = all.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(all.filter((i) => i.keyword === 'HEALTHCHECK').at(-1)?.args).toMatch(/^--interval=\S+ .*CMD \[/);
    expect(all.some((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD')).toBe(true);
  });

  it('copies only files that exist and that its .dockerignore lets into the context', () => {
    const allowed = readFileSync(resolve(repoRoot, `${file}.dockerignore`), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    expect(readFileSync(resolve(repoRoot, `${file}.dockerignore`), 'utf8')).toMatch(/^\*$/m);
    for (const stage of stages) {
      for (const i of stage.instructions.filter((x) => x.keyword === 'COPY' && !x.args.includes('--from='))) {
        const parts = i.args.split(' ').filter((p) => !p.startsWith('--'));
        for (const source of parts.slice(0, -1)) {
          expect(existsSync(resolve(repoRoot, source)), source).toBe(true);
          expect(
            allowed.some((a) => source === a || source.startsWith(`${a}/`)),
            `${source} in the build context`,
          ).toBe(true);
        }
      }
    }
  });

  it(`installs onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=${ortInstall}`, () => {
    expect(text).toMatch(new RegExp(`ONNXRUNTIME_NODE_INSTALL=${ortInstall}\\b`));
    if (ortInstall === 'cuda12') {
      expect(expand(finalStages[0]?.from ?? '', args)).toMatch(/^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu22\.04$/);
      expect(
        lineage(stages, finalStages[0] as Stage).some((i) => i.keyword === 'ENV' && i.args.includes('EXECUTION_PROVIDERS=cuda,cpu')),
      ).toBe(true);
      // Without a usable GPU the worker stays not ready instead of serving on the CPU (docs/deployment.md).
      expect(lineage(stages, finalStages[0] as Stage).some((i) => i.keyword === 'ENV' && /\bALLOW_CPU_FALLBACK=false\b/.test(i.args))).toBe(
        true,
      );
    }
  });
});

describe('parseDockerfile', () => {
  it('joins continuation lines and reads global ARGs and stage names', () => {
    const sut = parseDockerfile('# c\nARG V=1\nFROM img:${V} AS a\nRUN x \\\n && y\nFROM a AS b\nUSER 1000\n');
    expect(sut.args).toEqual({ V: '1' });
    expect(sut.stages.map((s) => [s.from, s.name])).toEqual([
      ['img:${V}', 'a'],
      ['a', 'b'],
    ]);
    expect(sut.stages[0].instructions).toEqual([{ keyword: 'RUN', args: 'x && y' }]);
  });
});
