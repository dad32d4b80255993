// Compact binary encoding of one classification result, used for both cache levels:
//   [0] format version 0xC1 · [1] flags (1 = truncated, 2 = body deflated, 4 = 16-bit scores)
//   [2..3] label count (u16) · body: n above threshold (u16) · their label indices by score desc
//   (u16 each) · every score as float32 (default: decodes to exactly the engine's 6-decimal score)
//   or quantized to u16 (score × 65535: half the bytes, within 8e-6) · trailer: CRC-32 (u32).
// Anything that does not parse exactly (other version, other label count, bad CRC, bad length,
// index out of range) decodes to undefined: a corrupt or foreign value is a miss, never an answer.
import { endianness } from 'node:os';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { roundScore, type ClassificationResult, type LabelScore } from '@emo/contracts';
import { crc32 } from './crc32';

export const CODEC_VERSION = 0xc1;
const FLAG_TRUNCATED = 1;
const FLAG_DEFLATED = 2;
const FLAG_Q16 = 4;
const HEADER = 4;
const TRAILER = 4;
const Q = 65535;

export type Compression = 'none' | 'deflate';
export type ScoreEncoding = 'float32' | 'uint16';

export interface CodecOptions {
  readonly labels: readonly string[];
  readonly modelId: string;
  readonly compression?: Compression;
  readonly compressMinBytes?: number;
  readonly scoreEncoding?: ScoreEncoding;
}

/** float32 scores are gathered in a typed array and copied in one go where its bytes are the wire's (little-endian). */
const NATIVE_LE = endianness() === 'LE';

export class ResultCodec {
  private readonly labelIndex: Map<string, number>;
  private readonly compression: Compression;
  private readonly compressMinBytes: number;
  private readonly q16: boolean;
  /** Scratch for one value's float32 scores (NATIVE_LE) and its bytes. */
  private readonly f32: Float32Array;
  private readonly f32Bytes: Uint8Array;

  constructor(private readonly opts: CodecOptions) {
    this.f32 = new Float32Array(opts.labels.length);
    this.f32Bytes = new Uint8Array(this.f32.buffer);
    this.labelIndex = new Map(opts.labels.map((l, i) => [l, i]));
    this.compression = opts.compression ?? 'none';
    this.compressMinBytes = opts.compressMinBytes ?? 256;
    this.q16 = opts.scoreEncoding === 'uint16';
  }

  /** Whether decode(encode(r)) equals r (float32 scores hold the engine's 6-decimal scores exactly; uint16 does not). */
  get exact(): boolean {
    return !this.q16;
  }

  /** Encodes a result that carries the full score map; undefined when it cannot be encoded losslessly enough. */
  encode(result: ClassificationResult): Buffer | undefined {
    const { labels } = this.opts;
    // Every score in label order, as the engine rounds its map (6 decimals): from `scoreArray` when the
    // result carries it, else from the map.
    const scores = result.scoreArray ?? result.scores;
    if (!scores || labels.length > 0xffff || result.labels.length > 0xffff) return undefined;
    if (result.scoreArray && result.scoreArray.length !== labels.length) return undefined;
    const scoreBytes = this.q16 ? 2 : 4;
    const bodyLength = 2 + 2 * result.labels.length + scoreBytes * labels.length;
    const deflate = this.compression === 'deflate' && bodyLength >= this.compressMinBytes;
    // Uncompressed (the default), the body is written in place: one buffer per value.
    const out = Buffer.allocUnsafe(deflate ? bodyLength : HEADER + bodyLength + TRAILER);
    const at = deflate ? 0 : HEADER;
    out.writeUInt16LE(result.labels.length, at);
    let o = at + 2;
    for (const l of result.labels) {
      const j = this.labelIndex.get(l.label);
      if (j === undefined) return undefined;
      out.writeUInt16LE(j, o);
      o += 2;
    }
    if (!this.q16 && NATIVE_LE) {
      const f32 = this.f32;
      for (let j = 0; j < labels.length; j++) {
        const s = this.scoreAt(result, j);
        if (typeof s !== 'number' || Number.isNaN(s)) return undefined;
        f32[j] = s;
      }
      out.set(this.f32Bytes, o);
    } else
      for (let j = 0; j < labels.length; j++) {
        const s = this.scoreAt(result, j);
        if (typeof s !== 'number' || Number.isNaN(s)) return undefined;
        if (this.q16) out.writeUInt16LE(Math.round(Math.min(1, Math.max(0, s)) * Q), o);
        else out.writeFloatLE(s, o);
        o += scoreBytes;
      }
    const flags = (result.truncated ? FLAG_TRUNCATED : 0) | (this.q16 ? FLAG_Q16 : 0);
    return deflate ? this.framed(out, flags) : this.seal(out, flags);
  }

  /** Score `j` in label order: from `scoreArray`, rounded as the engine rounds its map, or from the map. */
  private scoreAt(result: ClassificationResult, j: number): number | undefined {
    const array = result.scoreArray;
    return array ? roundScore(array[j]) : result.scores?.[this.opts.labels[j]];
  }

  /** Header and CRC around a body written at HEADER. */
  private seal(out: Buffer, flags: number): Buffer {
    out[0] = CODEC_VERSION;
    out[1] = flags;
    out.writeUInt16LE(this.opts.labels.length, 2);
    out.writeUInt32LE(crc32(out, 0, out.length - TRAILER), out.length - TRAILER);
    return out;
  }

  /** A body deflated when that makes it smaller, then framed. */
  private framed(body: Buffer, flags: number): Buffer {
    const packed = deflateRawSync(body);
    const deflated = packed.length < body.length;
    const payload = deflated ? packed : body;
    const out = Buffer.allocUnsafe(HEADER + payload.length + TRAILER);
    payload.copy(out, HEADER);
    return this.seal(out, flags | (deflated ? FLAG_DEFLATED : 0));
  }

  /** The result for a cached value, or undefined when the value is not a valid entry of this model. */
  decode(value: Buffer, includeScores: boolean): ClassificationResult | undefined {
    const { labels, modelId } = this.opts;
    if (value.length < HEADER + 2 + TRAILER || value[0] !== CODEC_VERSION || value.readUInt16LE(2) !== labels.length) return undefined;
    const flags = value[1];
    if (flags & ~(FLAG_TRUNCATED | FLAG_DEFLATED | FLAG_Q16)) return undefined;
    if (crc32(value, 0, value.length - TRAILER) !== value.readUInt32LE(value.length - TRAILER)) return undefined;
    let body = value.subarray(HEADER, value.length - TRAILER);
    if (flags & FLAG_DEFLATED) {
      try {
        body = inflateRawSync(body, { maxOutputLength: 2 + 6 * 0xffff });
      } catch {
        return undefined;
      }
    }
    if (body.length < 2) return undefined;
    const above = body.readUInt16LE(0);
    const scoresAt = 2 + 2 * above;
    const q16 = (flags & FLAG_Q16) !== 0;
    const scoreBytes = q16 ? 2 : 4;
    if (body.length !== scoresAt + scoreBytes * labels.length) return undefined;
    const score = (j: number) => {
      const at = scoresAt + scoreBytes * j;
      return q16 ? roundScore(body.readUInt16LE(at) / Q) : roundScore(body.readFloatLE(at));
    };
    const out: LabelScore[] = new Array(above);
    for (let k = 0; k < above; k++) {
      const j = body.readUInt16LE(2 + 2 * k);
      if (j >= labels.length) return undefined;
      out[k] = { label: labels[j], score: score(j) };
    }
    const result: ClassificationResult = { labels: out, model: modelId };
    if (includeScores) {
      const scores: Record<string, number> = {};
      for (let j = 0; j < labels.length; j++) scores[labels[j]] = score(j);
      result.scores = scores;
    }
    if (flags & FLAG_TRUNCATED) result.truncated = true;
    return result;
  }
}
