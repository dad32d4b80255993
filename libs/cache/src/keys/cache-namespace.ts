// Cache keys: one namespace per model revision under QUEUE_PREFIX, and a hash of everything that
// changes an answer (normalized text, model revision, precision, max length, thresholds version),
// so a new model or threshold set can never be served a stale answer.
import { hash } from 'node:crypto';
import { servedModelId } from '@emo/contracts';

export type TextNormalization = 'exact' | 'nfc-trim';

/** What identifies the answers of one served model. */
export interface CacheModelIdentity {
  readonly name: string;
  readonly revision: string;
  readonly thresholdsVersion: string;
  readonly labels: readonly string[];
  readonly precision: string;
  /** Tokens per text after truncation. */
  readonly maxLength: number;
}

/** Anything shaped like the inference engine (bundle + tokenizer) gives its identity. */
export function modelIdentityOf(
  engine: {
    bundle: { name: string; revision: string; thresholdsVersion: string; labels: readonly string[] };
    tokenizer: { maxLength: number };
  },
  precision: string,
): CacheModelIdentity {
  const { name, revision, thresholdsVersion, labels } = engine.bundle;
  return { name, revision, thresholdsVersion, labels, precision, maxLength: engine.tokenizer.maxLength };
}

const WHITESPACE_RUN = /\s+/g;

export function normalizeText(text: string, mode: TextNormalization): string {
  if (mode === 'exact') return text;
  return text.normalize('NFC').trim().replace(WHITESPACE_RUN, ' ');
}

/** Root of every cache key of one fleet (QUEUE_PREFIX). */
export const cacheRoot = (prefix: string): string => `${prefix}:cache:`;

export class CacheNamespace {
  /** `<prefix>:cache:<name>@<revision>:` — `emo cache flush` drops exactly this. */
  readonly prefix: string;
  readonly modelId: string;
  private readonly salt: string;

  constructor(
    readonly keyPrefix: string,
    readonly model: CacheModelIdentity,
    readonly normalization: TextNormalization = 'exact',
  ) {
    this.modelId = servedModelId(model.name, model.revision, model.precision);
    this.prefix = `${cacheRoot(keyPrefix)}${this.modelId}:`;
    this.salt = `${model.revision}\u0000${model.precision}\u0000${model.maxLength}\u0000${model.thresholdsVersion}\u0000${normalization}\u0000`;
  }

  /** 128 bits of sha256 (base64url, 22 characters) after the namespace. */
  key(text: string): string {
    return this.prefix + hash('sha256', this.salt + normalizeText(text, this.normalization), 'base64url').slice(0, 22);
  }

  /** SCAN pattern of this model revision's keys; `allRevisions` widens it to every revision of the model name. */
  pattern(allRevisions = false): string {
    const base = allRevisions ? `${cacheRoot(this.keyPrefix)}${this.model.name}@` : this.prefix;
    return `${escapeGlob(base)}*`;
  }
}

export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
