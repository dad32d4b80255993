// The `model` of every result: which model, which revision of its files, and which precision served it.

/** `<name>@<revision>`, plus `+<precision>` for a quantized variant (`goemotions-mini@1c9cd0ee83f0+int8`). */
export function servedModelId(name: string, revision: string, precision = 'fp32'): string {
  return `${name}@${revision}${precision === 'fp32' ? '' : `+${precision}`}`;
}
