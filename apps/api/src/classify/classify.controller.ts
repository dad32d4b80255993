// POST /v1/classify: a few texts answered synchronously through the Classifier (the fleet's
// interactive queue) within CLASSIFY_DEADLINE_MS; past it, 504 DEADLINE_EXCEEDED naming the job
// whose results will still land.
import type { Classifier } from '@emo/contracts';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '@emo/config';
import { checkCount, checkTextLengths, rawLength } from '../http/text-limits';
import { parseBody } from '../http/parse-body';
import type { BacklogGate } from '../jobs/backlog-gate';
import { APP_CONFIG, BACKLOG_GATE, CLASSIFIER } from '../tokens';
import { ClassifyRequestDto, ClassifyResponseDto, classifyRequestSchema } from './classify.dto';

@ApiTags('classify')
@ApiBearerAuth()
@Controller('v1')
export class ClassifyController {
  constructor(
    @Inject(CLASSIFIER) private readonly classifier: Classifier,
    @Inject(BACKLOG_GATE) private readonly gate: BacklogGate,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('classify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Classify a few texts now (at most CLASSIFY_MAX_TEXTS)' })
  @ApiBody({ type: ClassifyRequestDto })
  @ApiOkResponse({ type: ClassifyResponseDto })
  async classify(@Body() body: unknown): Promise<ClassifyResponseDto> {
    const started = Date.now();
    checkCount(rawLength(body, 'texts'), this.config.api.classifyMaxTexts, 'texts');
    const req = parseBody(classifyRequestSchema, body);
    checkTextLengths(req.texts, this.config);
    await this.gate.admit('interactive');
    const results = await this.classifier.classify(req.texts, {
      priority: 'interactive',
      includeScores: req.include_scores,
      deadlineAt: started + this.config.api.classifyDeadlineMs,
    });
    return { results: results as ClassifyResponseDto['results'] };
  }
}
