// POST /v1/classify: a few texts answered synchronously through the Classifier (the fleet's
// interactive queue) within CLASSIFY_DEADLINE_MS; past it, 504 DEADLINE_EXCEEDED naming the job
// whose results will still land. Parses and validates the request, calls ClassifyService.
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '@emo/config';
import type { Tenant } from '@emo/contracts';
import { checkCount, rawLength } from '../http/text-limits';
import { parseBody } from '../http/parse-body';
import { CurrentTenant } from '../tenancy/current-tenant.decorator';
import { RequireScope } from '../tenancy/require-scope.decorator';
import { APP_CONFIG } from '../tokens';
import { ClassifyRequestDto, ClassifyResponseDto, classifyRequestSchema } from './classify.dto';
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
  @ApiOkResponse({ type: ClassifyResponseDto })
  async classify(@CurrentTenant() tenant: Tenant, @Body() body: unknown): Promise<ClassifyResponseDto> {
    const receivedAt = Date.now();
    // The count first, on the raw body: an oversize list fails with its own code, not a schema error per text.
    checkCount(rawLength(body, 'texts'), this.config.api.classifyMaxTexts, 'texts');
    const req = parseBody(classifyRequestSchema, body);
    const results = await this.classification.classify(tenant, { texts: req.texts, includeScores: req.include_scores, receivedAt });
    return { results: results as ClassifyResponseDto['results'] };
  }
}
