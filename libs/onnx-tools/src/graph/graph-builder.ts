// Appends nodes and initializers to an ONNX graph with unique names: what the generator and the
// quantizers use to write graph surgery without name clashes.
import { AttrType, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../proto/onnx-codec';

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] } | { tensor: OnnxTensor };

export class GraphBuilder {
  private readonly used = new Set<string>();

  constructor(readonly graph: OnnxGraph) {
    for (const t of graph.initializer) if (t.name) this.used.add(t.name);
    for (const v of [...graph.input, ...graph.output, ...graph.value_info]) if (v.name) this.used.add(v.name);
    for (const n of graph.node) {
      for (const name of [...n.input, ...n.output]) this.used.add(name);
      if (n.name) this.used.add(n.name);
    }
  }

  /** A name not used anywhere in the graph yet, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds an initializer under a fresh name derived from its own; returns that name. */
  initializer(tensor: OnnxTensor): string {
    const name = this.fresh(tensor.name ?? 'const');
    this.graph.initializer.push({ ...tensor, name });
    return name;
  }

  /** Builds a node with fresh output names (one per entry of `outputs`, used as bases). */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    attrs: Record<string, AttrValue> = {},
    domain = '',
  ): OnnxNode {
    const outBases = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${opType}_out${i}`) : outputs;
    return {
      op_type: opType,
      domain: domain || undefined,
      name: this.fresh(`${opType}_${this.graph.node.length}`),
      input: [...inputs],
      output: outBases.map((b) => this.fresh(b)),
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    };
  }

  /** Builds a node (see `node`) and appends it to the graph; returns its first output. */
  add(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    const n = this.node(opType, inputs, 1, attrs, domain);
    this.graph.node.push(n);
    return n.output[0];
  }
}

export function attribute(name: string, value: AttrValue): OnnxAttribute {
  if (typeof value === 'number') return { name, type: AttrType.INT, i: value };
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if ('float' in value) return { name, type: AttrType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: AttrType.FLOATS, floats: value.floats };
  return { name, type: AttrType.TENSOR, t: value.tensor };
}

export function findAttribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}
