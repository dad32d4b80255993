// A setting: the environment variable that sets it, its zod schema (with default), and its doc line.
import { z } from 'zod';

export interface Setting<T extends z.ZodType = z.ZodType> {
  readonly env: string;
  readonly schema: T;
  readonly doc: string;
}

export const setting = <T extends z.ZodType>(env: string, schema: T, doc: string): Setting<T> => ({ env, schema, doc });

/** Env values are strings: these helpers parse them with readable errors. */
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
export const num = (min: number, max = Number.MAX_VALUE) => z.coerce.number().min(min).max(max);
export const bool = () =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
    .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
export const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(z.array(item));
