// POST /v1/classify: a few texts answered synchronously through the Classifier (the fleet's
// interactive queue) within CLASSIFY_DEADLINE_MS; past it, 504 DEADLINE_EXCEEDED naming the job
// whose results will still land. Parses and validates the request, calls ClassifyService.
import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '@emo/config';
import { parseTaxonomy, type Tenant } from '@emo/contracts';
import type { FastifyReply } from 'fastify';
import { Accepts, JSON_MEDIA_TYPE } from '../http/accepts.decorator';
import { ApiErrors, AUTH_ERRORS, JSON_BODY_ERRORS, QUEUE_ERRORS } from '../http/error-body.dto';
import { checkCount, checkTextLengths, rawLength } from '../http/text-limits';
import { parseBody } from '../http/parse-body';
import { mergeOutcomes, splitTexts } from '../http/text-items';
import { CurrentTenant } from '../tenancy/current-tenant.decorator';
import { withRateLimitHeaders } from '../tenancy/rate-limit-headers';
import { RequireScope } from '../tenancy/require-scope.decorator';
import type { RateLimitSlot } from '../tenancy/tenant-quota';
import { APP_CONFIG } from '../tokens';
import { ClassifyRequestDto, ClassifyResponseDto, classifyRequestSchema, ResultDto } from './classify.dto';
import { ClassifyService } from './classify.service';

@ApiTags('classify')
@ApiBearerAuth()
@RequireScope('classify')
@Controller('v1')
export class ClassifyController {
  constructor(
    @Inject(ClassifyService) private readonly classification: ClassifyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('classify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Classify a few texts now (at most CLASSIFY_MAX_TEXTS)' })
  @ApiBody({ type: ClassifyRequestDto })
  @ApiExtraModels(ResultDto)
  @ApiOkResponse({ type: ClassifyResponseDto })
  @Accepts(JSON_MEDIA_TYPE)
  @ApiErrors(
    ...AUTH_ERRORS,
    ...JSON_BODY_ERRORS,
    'TOO_MANY_TEXTS',
    'TAXONOMY_UNKNOWN',
    'TEXT_TOO_LONG',
    'OVERLOADED',
    'RATE_LIMITED',
    'TENANT_BACKLOG_FULL',
    ...QUEUE_ERRORS,
    'DEADLINE_EXCEEDED',
  )
  classify(
    @CurrentTenant() tenant: Tenant,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClassifyResponseDto> {
    return withRateLimitHeaders(reply, (rateLimit) => this.answer(tenant, body, rateLimit));
  }

  private async answer(tenant: Tenant, body: unknown, rateLimit: RateLimitSlot): Promise<ClassifyResponseDto> {
    const receivedAt = Date.now();
    // The count first, on the raw body: an oversize list fails with its own code, not a schema error per text.
    checkCount(rawLength(body, 'texts'), this.config.api.classifyMaxTexts, 'texts');
    const req = parseBody(classifyRequestSchema, body);
    const taxonomy = parseTaxonomy(req.taxonomy);
    // On the whole list, so a TEXT_TOO_LONG names the caller's index (the service checks the strings again).
    checkTextLengths(req.texts, this.config);
    // Only strings reach the service; non-strings are their own items' TEXT_NOT_STRING, put back in place.
    const split = splitTexts(req.texts);
    const outcomes =
      split.texts.length === 0
        ? []
        : await this.classification.classify(tenant, {
            texts: split.texts,
            includeScores: req.include_scores,
            taxonomy,
            receivedAt,
            rateLimit,
          });
    return { results: mergeOutcomes(split, outcomes) as ClassifyResponseDto['results'] };
  }
}
