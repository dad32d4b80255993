import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FLEET_COMMANDS, fleetCommandScripts, LUA_INCLUDES } from './fleet-commands';
import { LuaScriptLoader } from './lua-script-loader';

const here = fileURLToPath(new URL('.', import.meta.url));

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [],
  );
}

describe(LuaScriptLoader.name, () => {
  describe('resolve', () => {
    const sut = new LuaScriptLoader({
      clock: 'local function clock() return 1 end',
      roll: '--- @include "clock"\nlocal function roll() return clock() end',
      loop: '--- @include "loop2"',
      loop2: '--- @include "loop"',
    });

    it('replaces each include line by its fragment, nested includes first, each fragment once', () => {
      const lua = sut.resolve('cmd', '--- @include "roll"\n--- @include "clock"\nreturn roll()');
      expect(lua.split('\n')).toEqual(['local function clock() return 1 end', 'local function roll() return clock() end', 'return roll()']);
      expect(sut.includesOf('cmd', '--- @include "roll"')).toEqual(['roll', 'clock']);
    });

    it('fails naming the command and the include when a fragment is unknown', () => {
      expect(() => sut.resolve('store-chunk', '--- @include "roll"\n--- @include "nope"')).toThrow(
        'Lua command store-chunk includes "nope", which is not a fragment (known: clock, roll, loop, loop2)',
      );
      expect(() => sut.resolve('cmd', '--- @include "loop"')).toThrow('Lua include cycle: cmd → loop → loop2 → loop');
    });
  });

  describe('the fleet commands', () => {
    const scripts = fleetCommandScripts();

    it('resolve with no include line left, and every fragment is used by some command', () => {
      for (const lua of Object.values(scripts)) expect(lua).not.toMatch(/@include/);
      const used = new Set(Object.values(FLEET_COMMANDS).flatMap((c) => new LuaScriptLoader(LUA_INCLUDES).includesOf(c.file, c.source)));
      expect([...used].sort()).toEqual(Object.keys(LUA_INCLUDES).sort());
      expect(scripts.emoStoreChunk).toContain("redis.call('PUBLISH', channel, jobId)");
      expect(scripts.emoSealBackfill).toContain("redis.call('PUBLISH', channel, jobId)");
    });

    it('are the only Lua of the library: one file per command (or pair sharing its Lua) or fragment, each Lua function defined once', () => {
      const lua = files(join(here, 'commands'), '.lua');
      expect(lua.map((f) => f.slice(here.length)).sort()).toEqual(
        [
          // Two commands may share a file (CREATE_JOB with its key count given or fixed).
          ...new Set(Object.values(FLEET_COMMANDS).map((c) => `commands/${c.file}.lua`)),
          ...Object.keys(LUA_INCLUDES).map((n) => `commands/includes/${n}.lua`),
        ].sort(),
      );
      const definitions = lua.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/local function (\w+)/g)].map((m) => m[1]));
      expect(definitions.length).toBeGreaterThan(0);
      expect(new Set(definitions).size).toBe(definitions.length);
      // No Lua left in TypeScript strings (specs aside).
      const withLua = files(here, '.ts').filter((f) => !/\.(int-)?spec\.ts$/.test(f) && /redis\.call\(/.test(readFileSync(f, 'utf8')));
      expect(withLua).toEqual([]);
    });
  });
});
