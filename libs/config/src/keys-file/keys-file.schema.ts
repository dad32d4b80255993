// The keys file (API_KEYS_FILE): which tenants exist, the SHA-256 of each of their API keys, their
// scopes and limits. Part of the one config schema: it is validated like env (every problem listed
// in one CONFIG_INVALID) and produces a frozen value. It never holds a key itself: a file that
// leaks must not grant access, so an entry carrying anything that looks like a plaintext key is
// refused, and problems never echo a key field's value.
import { SCOPES, TENANT_ID_PATTERN, type Scope } from '@emo/contracts';
import { z } from 'zod';

/** Field names a hand-written entry might use for the key itself. */
export const PLAINTEXT_KEY_FIELDS: readonly string[] = ['key', 'api_key', 'apikey', 'apiKey', 'secret', 'token', 'value', 'plaintext'];

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

// The plaintext check comes first and alone: an entry holding a key is reported for that, whatever
// else it lacks.
const keyEntrySchema = z
  .unknown()
  .superRefine((entry, ctx) => {
    if (entry === null || typeof entry !== 'object') return;
    for (const field of Object.keys(entry)) {
      if (PLAINTEXT_KEY_FIELDS.some((f) => f.toLowerCase() === field.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'a plaintext key is never written in the keys file: give only its sha256 (printf %s "$KEY" | sha256sum)',
        });
    }
  })
  .pipe(
    z.strictObject({
      sha256: z
        .string({ error: 'missing: the 64 hex digits of the SHA-256 of the key (printf %s "$KEY" | sha256sum)' })
        .regex(SHA256_HEX, { error: "must be the 64 hex digits of the key's SHA-256, never the key itself" })
        .transform((s) => s.toLowerCase()),
      name: z.string().max(200).optional(),
    }),
  );

const limitsSchema = z.strictObject({
  texts_per_s: z.number().min(0).optional(),
  max_queued_texts: z.number().int().min(0).optional(),
  weight: z.number().positive().max(1000).optional(),
});

const tenantSchema = z.strictObject({
  id: z.string().regex(TENANT_ID_PATTERN, {
    error: "must be 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit",
  }),
  scopes: z
    .array(z.enum(SCOPES as [Scope, ...Scope[]]))
    .min(1)
    .refine((s) => new Set(s).size === s.length, { error: 'lists a scope twice' }),
  limits: limitsSchema.optional(),
  keys: z.array(keyEntrySchema),
});

export const keysFileSchema = z.strictObject({ tenants: z.array(tenantSchema) }).superRefine((file, ctx) => {
  const ids = new Map<string, number>();
  const digests = new Map<string, string>();
  file.tenants.forEach((tenant, t) => {
    const first = ids.get(tenant.id);
    if (first !== undefined)
      ctx.addIssue({ code: 'custom', path: ['tenants', t, 'id'], message: `duplicate tenant id "${tenant.id}" (also tenants[${first}])` });
    else ids.set(tenant.id, t);
    tenant.keys.forEach((key, k) => {
      const where = `tenants[${t}].keys[${k}]`;
      const other = digests.get(key.sha256);
      // One digest, one tenant: a key that authenticates to two tenants would be ambiguous.
      if (other !== undefined)
        ctx.addIssue({ code: 'custom', path: ['tenants', t, 'keys', k, 'sha256'], message: `duplicate key digest (also ${other})` });
      else digests.set(key.sha256, where);
    });
  });
});

export type KeysFile = z.output<typeof keysFileSchema>;
export type KeysFileTenant = KeysFile['tenants'][number];
