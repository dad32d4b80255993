// The fleet's Lua commands are imported as text (tools/build/build.mjs: esbuild's text loader;
// vitest.config.mts: a plugin that does the same), so the bundle carries them and nothing looks
// for .lua files at run time.
declare module '*.lua' {
  const source: string;
  export default source;
}
