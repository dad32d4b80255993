// The parts of a Hugging Face `config.json` and `thresholds.json` the engine relies on.
import { z } from 'zod';

export const bundleConfigSchema = z
  .object({
    id2label: z.record(z.string().regex(/^\d+$/, 'id2label keys must be integers'), z.string().min(1)),
    problem_type: z.enum(['multi_label_classification', 'single_label_classification', 'regression']).optional(),
    max_position_embeddings: z.number().int().positive().optional(),
    _name_or_path: z.string().optional(),
    name: z.string().optional(),
    model_type: z.string().optional(),
    /** Random weights in a real model's shape, for speed measurements only (libs/onnx-tools' generator). */
    benchmark_only: z.boolean().optional(),
  })
  .passthrough();
export type BundleConfig = z.infer<typeof bundleConfigSchema>;

/** Either `{version?, thresholds: {label: t}}` or a bare `{label: t}` map. */
export const thresholdsFileSchema = z.union([
  z.object({ version: z.string().optional(), thresholds: z.record(z.string(), z.number().min(0).max(1)) }),
  z.record(z.string(), z.number().min(0).max(1)),
]);
