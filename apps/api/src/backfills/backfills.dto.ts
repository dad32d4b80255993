// /v1/backfills: query schemas (zod, validated) and the OpenAPI description of the answers.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

const list = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
  .optional();

export const uploadQuerySchema = z.object({
  // Checked by checkBackfillId (BACKFILL_ID_INVALID), the same check every backfill route makes.
  id: z.string().optional(),
  format: z.enum(['ndjson', 'csv', 'tsv']).optional(),
  text_field: z.string().min(1).default('text'),
  id_field: z.string().min(1).optional(),
  passthrough: list,
  columns: list,
  include_scores: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional(),
  // Checked by parseTaxonomy after the schema, for its own code (TAXONOMY_UNKNOWN).
  taxonomy: z.string().optional(),
});

export const offsetQuerySchema = z.object({ offset: z.coerce.number().int().min(0).default(0) });
export const rollupQuerySchema = z.object({ by: z.string().min(1).max(200) });

/** Body media types streamed through untouched (never buffered) and the format each implies. */
export const STREAMED_TYPES: Readonly<Record<string, 'ndjson' | 'csv' | 'tsv'>> = {
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/jsonlines': 'ndjson',
  'text/csv': 'csv',
  'text/tab-separated-values': 'tsv',
};

class UploadDto {
  @ApiProperty({ type: Number, description: 'Lines received by the latest upload' }) lines!: number;
  @ApiProperty({ type: Boolean }) complete!: boolean;
  @ApiProperty({ type: Number, description: 'Uploads of this backfill (1 + resumes)' }) attempts!: number;
}

class BackfillChunksDto {
  @ApiProperty({ type: Number, nullable: true }) total!: number | null;
  @ApiProperty({ type: Number }) done!: number;
  @ApiProperty({ type: Number }) size!: number;
}

export class BackfillStatusDto {
  @ApiProperty({ type: String }) backfill_id!: string;
  @ApiProperty({ enum: ['uploading', 'queued', 'running', 'completed', 'cancelling', 'cancelled'] }) state!: string;
  @ApiProperty({ type: UploadDto }) upload!: UploadDto;
  @ApiProperty({ type: Number, nullable: true, description: 'Input lines; null until the upload is complete' }) total!: number | null;
  @ApiProperty({ type: Number, description: 'Lines with a result line' }) done!: number;
  @ApiProperty({ type: Number }) succeeded!: number;
  @ApiProperty({ type: Number, description: 'Lines whose result is an error (see /errors)' }) failed!: number;
  @ApiProperty({ type: BackfillChunksDto }) chunks!: BackfillChunksDto;
  @ApiProperty({ type: Number }) rate_texts_per_s!: number;
  @ApiProperty({ type: Number, nullable: true }) eta_s!: number | null;
  @ApiPropertyOptional({ type: String }) model?: string;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) started_at?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) finished_at?: string;
}

export class BackfillCreatedDto extends BackfillStatusDto {
  @ApiProperty({ type: Boolean, description: 'False when this upload resumed an existing backfill' }) created!: boolean;
  @ApiProperty({ type: Number, description: 'Chunks queued by this upload' }) queued_chunks!: number;
  @ApiProperty({ type: Number, description: 'Chunks already stored by an earlier upload (skipped)' }) skipped_chunks!: number;
  @ApiProperty({ type: String }) status_url!: string;
  @ApiProperty({ type: String }) results_url!: string;
  @ApiProperty({ type: String }) errors_url!: string;
}
