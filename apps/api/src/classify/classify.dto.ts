// POST /v1/classify: request schema (zod, validated) and its OpenAPI description.
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { DEFAULT_TAXONOMY, TAXONOMIES, type Taxonomy } from '@emo/contracts';
import { z } from 'zod';
import { ErrorBody } from '../http/error-body.dto';

export const classifyRequestSchema = z.object({
  // Any JSON value per item: a non-string is that item's TEXT_NOT_STRING (http/text-items.ts), not a 422.
  texts: z.array(z.unknown()).min(1),
  include_scores: z.boolean().optional(),
  // Checked by parseTaxonomy after the schema, for its own code (TAXONOMY_UNKNOWN).
  taxonomy: z.unknown().optional(),
});

/** The OpenAPI description of `taxonomy` (POST /v1/classify and POST /v1/jobs). */
export const TAXONOMY_PROPERTY = {
  enum: [...TAXONOMIES],
  default: DEFAULT_TAXONOMY,
  description:
    "Which labels to answer in: `goemotions` (default, the model's 27 emotions + neutral), `ekman` (anger, disgust, fear, joy, sadness, " +
    "surprise, neutral) or `sentiment` (positive, negative, ambiguous, neutral), the GoEmotions paper's groupings. A group scores the max of " +
    "its members' scores and is predicted when any member is; neutral also when nothing else is. Another value: 422 TAXONOMY_UNKNOWN.",
};

export class ClassifyRequestDto {
  @ApiProperty({
    type: [String],
    description:
      'Texts to classify (at most CLASSIFY_MAX_TEXTS, default 64). An item that is not a string (number, null, object, array, boolean) ' +
      'gets `{"error":{"code":"TEXT_NOT_STRING",…}}` in its place; the others are classified.',
    example: ['I love this!', 'This is so annoying'],
  })
  texts!: string[];

  @ApiPropertyOptional({ type: Boolean, description: 'Include the full score map of every text' })
  include_scores?: boolean;

  @ApiPropertyOptional(TAXONOMY_PROPERTY)
  taxonomy?: Taxonomy;
}

export class LabelScoreDto {
  @ApiProperty({ type: String, example: 'joy' }) label!: string;
  @ApiProperty({ type: Number, example: 0.93 }) score!: number;
}

export class ResultDto {
  @ApiPropertyOptional({ type: String, description: 'The item id given in the job (jobs only)' }) id?: string;
  @ApiProperty({ type: [LabelScoreDto], description: 'Labels above threshold, by score descending' }) labels!: LabelScoreDto[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: "Every label score (include_scores); with a coarse taxonomy, every group's score",
  })
  scores?: Record<string, number>;
  @ApiProperty({ type: String, example: 'goemotions-mini@3f2a1c' }) model!: string;
  @ApiPropertyOptional({ type: Boolean, description: 'The text was cut to the maximum length first' }) truncated?: boolean;
  @ApiPropertyOptional({ enum: ['ekman', 'sentiment'], description: "Set when the labels are a coarse taxonomy's groups" })
  taxonomy?: 'ekman' | 'sentiment';
}

export class ClassifyResponseDto {
  @ApiProperty({
    type: 'array',
    // A text that cannot be classified has its error in its place, in the shape of every error answer (ErrorBody).
    items: { oneOf: [{ $ref: getSchemaPath(ResultDto) }, { $ref: getSchemaPath(ErrorBody) }] },
    description: 'One result per text, in input order; a text that cannot be classified has `{error:{code,message}}` in its place',
  })
  results!: (ResultDto | ErrorBody)[];
}
