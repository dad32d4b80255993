// The result of classifying one text, shared by the engine, the cache, the API and the CLI.
import { z } from 'zod';

export const labelScoreSchema = z.object({ label: z.string(), score: z.number() });
export type LabelScore = z.infer<typeof labelScoreSchema>;

export const classificationResultSchema = z.object({
  id: z.string().optional(),
  labels: z.array(labelScoreSchema),
  scores: z.record(z.string(), z.number()).optional(),
  model: z.string(),
  truncated: z.boolean().optional(),
});
export type ClassificationResult = z.infer<typeof classificationResultSchema>;

/** A per-item failure: the item keeps its place in the output, with a stable code. */
export const itemErrorSchema = z.object({
  id: z.string().optional(),
  line: z.number().int().optional(),
  error: z.object({ code: z.string(), message: z.string() }),
});
export type ItemError = z.infer<typeof itemErrorSchema>;
