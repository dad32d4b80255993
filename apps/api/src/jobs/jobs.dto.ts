// /v1/jobs: request schema (zod, validated) and the OpenAPI description of requests and answers.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Taxonomy } from '@emo/contracts';
import { z } from 'zod';
import { TAXONOMY_PROPERTY } from '../classify/classify.dto';

export const jobRequestSchema = z.object({
  items: z
    .array(
      z
        .object({
          id: z.union([z.string(), z.number()]).transform(String).optional(),
          // Any JSON value: a non-string is that item's TEXT_NOT_STRING result line, not a 422 of the job.
          text: z.unknown(),
        })
        .refine((item) => item.text !== undefined, { message: 'Required', path: ['text'] }),
    )
    .min(1),
  priority: z.enum(['interactive', 'bulk']).default('bulk'),
  idempotency_key: z.string().min(1).max(200).optional(),
  include_scores: z.boolean().optional(),
  // Checked by parseTaxonomy after the schema, for its own code (TAXONOMY_UNKNOWN).
  taxonomy: z.unknown().optional(),
});

export const resultsQuerySchema = z.object({ offset: z.coerce.number().int().min(0).default(0) });

/** Longest `GET /v1/jobs/{id}?wait_ms=` holds a request for the job to finish. */
export const JOB_STATUS_MAX_WAIT_MS = 30_000;

export const statusQuerySchema = z.object({ wait_ms: z.coerce.number().int().min(0).max(JOB_STATUS_MAX_WAIT_MS).default(0) });

export class JobItemDto {
  @ApiPropertyOptional({ type: String, description: 'Your id for the item; echoed in its result line' }) id?: string;
  @ApiProperty({
    type: String,
    example: 'thanks, that made my day',
    description:
      'A text that is not a string (number, null, object, array, boolean) gets a TEXT_NOT_STRING line; the other items are classified',
  })
  text!: string;
}

export class JobRequestDto {
  @ApiProperty({ type: [JobItemDto], description: 'Items to classify (at most JOB_MAX_ITEMS)' }) items!: JobItemDto[];
  @ApiPropertyOptional({ enum: ['interactive', 'bulk'], default: 'bulk' }) priority?: 'interactive' | 'bulk';
  @ApiPropertyOptional({ type: String, description: 'Same key → same job (also accepted as the Idempotency-Key header)' })
  idempotency_key?: string;
  @ApiPropertyOptional({ type: Boolean, description: 'Include the full score map in every result' }) include_scores?: boolean;
  @ApiPropertyOptional(TAXONOMY_PROPERTY) taxonomy?: Taxonomy;
}

class ChunkCountsDto {
  @ApiProperty({ type: Number }) total!: number;
  @ApiProperty({ type: Number }) done!: number;
  @ApiProperty({ type: Number }) size!: number;
}

class TimingsDto {
  @ApiPropertyOptional({ type: Number, description: 'Creation → first chunk started' }) queued_ms?: number;
  @ApiPropertyOptional({ type: Number, description: 'First chunk started → last chunk stored' }) run_ms?: number;
  @ApiPropertyOptional({ type: Number, description: 'Creation → finished' }) total_ms?: number;
}

export class JobStatusDto {
  @ApiProperty({ type: String }) job_id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'cancelling', 'cancelled'] }) state!: string;
  @ApiProperty({ enum: ['interactive', 'bulk'] }) priority!: string;
  @ApiProperty({ type: Number }) total!: number;
  @ApiProperty({ type: Number, description: 'Items with a result line (succeeded + failed + cancelled)' }) done!: number;
  @ApiProperty({ type: Number }) succeeded!: number;
  @ApiProperty({ type: Number, description: 'Items whose line is an error' }) failed!: number;
  @ApiProperty({ type: Number, description: 'Items cancelled before they ran' }) cancelled!: number;
  @ApiProperty({ type: ChunkCountsDto }) chunks!: ChunkCountsDto;
  @ApiPropertyOptional({ type: String }) model?: string;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) started_at?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) finished_at?: string;
  @ApiProperty({ type: TimingsDto }) timings!: TimingsDto;
}

export class JobCreatedDto extends JobStatusDto {
  @ApiProperty({ type: Boolean, description: 'False when the idempotency key named an existing job' }) created!: boolean;
  @ApiProperty({ type: String, example: '/v1/jobs/5b0c…' }) status_url!: string;
  @ApiProperty({ type: String, example: '/v1/jobs/5b0c…/results' }) results_url!: string;
}
