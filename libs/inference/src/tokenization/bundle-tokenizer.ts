// Tokenization with @huggingface/tokenizers from the bundle's tokenizer.json: special tokens
// as the tokenizer's post-processor adds them, truncation to maxLength that keeps them.
import { Tokenizer } from '@huggingface/tokenizers';
import type { ModelBundle } from '@emo/model';

export interface EncodedText {
  readonly ids: Int32Array;
  /** True when tokens were dropped to fit maxLength. */
  readonly truncated: boolean;
}

/** Tokens are at least one character: beyond this many characters per allowed token the tail cannot matter. */
const CHARS_PER_TOKEN_CAP = 32;

export class BundleTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly prefix: number[];
  private readonly suffix: number[];
  readonly padId: number;
  /** Stands in for a text whose tokenizer output is empty, so every row attends to something. */
  private readonly fillerId: number;

  constructor(
    bundle: Pick<ModelBundle, 'tokenizerJson' | 'tokenizerConfig'>,
    readonly maxLength: number,
  ) {
    this.tokenizer = new Tokenizer(bundle.tokenizerJson, bundle.tokenizerConfig);
    const specials = this.tokenizer.encode('').ids;
    const sample = this.tokenizer.encode('hello').ids;
    let p = 0;
    while (p < specials.length && specials[p] === sample[p]) p++;
    this.prefix = specials.slice(0, p);
    this.suffix = specials.slice(p);
    this.padId = findPadId(bundle, this.tokenizer);
    this.fillerId = this.tokenizer.token_to_id('[UNK]') ?? this.tokenizer.token_to_id('<unk>') ?? this.padId;
  }

  encode(text: string): EncodedText {
    const cap = this.maxLength * CHARS_PER_TOKEN_CAP;
    const cut = text.length > cap;
    const ids = this.tokenizer.encode(cut ? text.slice(0, cap) : text).ids;
    if (ids.length === 0) return { ids: Int32Array.of(this.fillerId), truncated: cut };
    if (ids.length <= this.maxLength) return { ids: Int32Array.from(ids), truncated: cut };
    const keep = Math.max(0, this.maxLength - this.prefix.length - this.suffix.length);
    const out = new Int32Array(this.maxLength);
    out.set(ids.slice(0, this.prefix.length + keep), 0);
    out.set(this.suffix, this.prefix.length + keep);
    return { ids: out, truncated: true };
  }
}

function findPadId(bundle: Pick<ModelBundle, 'tokenizerJson' | 'tokenizerConfig'>, tokenizer: Tokenizer): number {
  const padding = bundle.tokenizerJson.padding as { pad_id?: number } | null | undefined;
  if (typeof padding?.pad_id === 'number') return padding.pad_id;
  const padToken = bundle.tokenizerConfig.pad_token;
  const candidates = [typeof padToken === 'string' ? padToken : undefined, '[PAD]', '<pad>'];
  for (const t of candidates) {
    const id = t === undefined ? undefined : tokenizer.token_to_id(t);
    if (typeof id === 'number') return id;
  }
  return 0;
}
