// The bottleneck rules as one table, evaluated row by row on the report draft. The rows live with
// their family (rules/*.rules.ts: a dominant queue stage, model stage, I/O stage, and what holds
// whatever dominates), the thresholds in rules/thresholds.ts, the facts conditions are made of in
// rules/report-facts.ts. The order here is the evaluation order and the order docs/observability.md
// shows (bottleneck-rules.spec.ts fails when the two drift).
import type { Recommendation, Severity } from './profile-report';
import type { BottleneckRule } from './rules/bottleneck-rule';
import { FLEET_HEALTH_RULES } from './rules/fleet-health.rules';
import { IO_STAGE_RULES } from './rules/io-stage.rules';
import { MODEL_STAGE_RULES } from './rules/model-stage.rules';
import { QUEUE_STAGE_RULES } from './rules/queue-stage.rules';
import type { ReportDraft } from './rules/report-facts';
import { messageVars, renderSays } from './rules/rule-messages';

export type { BottleneckRule, RecommendationCode } from './rules/bottleneck-rule';
export type { EvidenceField, ReportDraft } from './rules/report-facts';
export { messageVars, renderSays } from './rules/rule-messages';
export { THRESHOLDS, type ThresholdName } from './rules/thresholds';

const rules: readonly BottleneckRule[] = [...QUEUE_STAGE_RULES, ...MODEL_STAGE_RULES, ...IO_STAGE_RULES, ...FLEET_HEALTH_RULES];

const healthy: BottleneckRule = {
  code: 'HEALTHY',
  severity: 'info',
  when: 'there are timed stages and no rule above holds',
  thresholds: [],
  evidence: ['stages'],
  condition: (r) => r.stages.length > 0 && !rules.some((rule) => rule.condition(r)),
  says: 'no bottleneck: {lead}, p95 about {p95} within the {target} target',
  why: 'Some stage always dominates; without pressure that is no bottleneck.',
};

/** The table, in evaluation order (the order recommendations of equal severity are listed). */
export const BOTTLENECK_RULES: readonly BottleneckRule[] = [...rules, healthy];

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The recommendations of every rule that holds, most severe first (table order within a severity). */
export function evaluateRules(r: ReportDraft, table: readonly BottleneckRule[] = BOTTLENECK_RULES): Recommendation[] {
  const held = table.filter((rule) => rule.condition(r));
  const vars = held.length > 0 ? messageVars(r) : {};
  return held
    .map((rule) => ({
      code: rule.code,
      severity: rule.severity,
      message: renderSays(rule.says, vars),
      ...(rule.setting ? { setting: rule.setting } : {}),
    }))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
