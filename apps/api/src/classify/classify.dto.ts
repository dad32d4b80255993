// POST /v1/classify: request schema (zod, validated) and its OpenAPI description.
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { z } from 'zod';
import { ErrorBody } from '../http/error-body.dto';

export const classifyRequestSchema = z.object({
  // Any JSON value per item: a non-string is that item's TEXT_NOT_STRING (http/text-items.ts), not a 422.
  texts: z.array(z.unknown()).min(1),
  include_scores: z.boolean().optional(),
});

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
}

export class LabelScoreDto {
  @ApiProperty({ type: String, example: 'joy' }) label!: string;
  @ApiProperty({ type: Number, example: 0.93 }) score!: number;
}

export class ResultDto {
  @ApiPropertyOptional({ type: String, description: 'The item id given in the job (jobs only)' }) id?: string;
  @ApiProperty({ type: [LabelScoreDto], description: 'Labels above threshold, by score descending' }) labels!: LabelScoreDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' }, description: 'Every label score (include_scores)' })
  scores?: Record<string, number>;
  @ApiProperty({ type: String, example: 'goemotions-mini@3f2a1c' }) model!: string;
  @ApiPropertyOptional({ type: Boolean, description: 'The text was cut to the maximum length first' }) truncated?: boolean;
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
