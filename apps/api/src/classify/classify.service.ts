// The rules of POST /v1/classify: the long-text policy, admission on the interactive queue (a
// refusal is a 429 at once rather than a 504 at the deadline), and the deadline, counted from when
// the request arrived, within which the Classifier (the fleet, or the result cache in front) answers.
import type { Classifier, ClassifyOutcome } from '@emo/contracts';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@emo/config';
import { checkTextLengths } from '../http/text-limits';
import type { BacklogGate } from '../jobs/backlog-gate';
import { APP_CONFIG, BACKLOG_GATE, CLASSIFIER } from '../tokens';

export interface ClassifyCall {
  readonly texts: readonly string[];
  readonly includeScores?: boolean;
  /** Epoch ms the request arrived; the deadline runs from here. */
  readonly receivedAt: number;
}

@Injectable()
export class ClassifyService {
  constructor(
    @Inject(CLASSIFIER) private readonly classifier: Classifier,
    @Inject(BACKLOG_GATE) private readonly gate: Pick<BacklogGate, 'admit'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'engine' | 'api'>,
  ) {}

  /** One outcome per text, in input order; 504 DEADLINE_EXCEEDED (naming the job) past the deadline. */
  async classify(call: ClassifyCall): Promise<ClassifyOutcome[]> {
    checkTextLengths(call.texts, this.config);
    await this.gate.admit('interactive');
    return this.classifier.classify(call.texts, {
      priority: 'interactive',
      includeScores: call.includeScores,
      deadlineAt: call.receivedAt + this.config.api.classifyDeadlineMs,
    });
  }
}
