// Validates a request body against a zod schema; every problem is listed in one 422 REQUEST_INVALID.
import { AppError } from '@emo/contracts';
import type { z } from 'zod';

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new AppError('REQUEST_INVALID', `Invalid request: ${problems.map((p) => `${p.path || '(body)'}: ${p.message}`).join('; ')}`, {
    problems,
  });
}
