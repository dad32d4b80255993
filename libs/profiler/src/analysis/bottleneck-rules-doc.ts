// The rule and threshold tables of bottleneck-rules.ts as Markdown: what docs/observability.md
// shows between its <!-- bottleneck-rules --> and <!-- bottleneck-thresholds --> markers
// (bottleneck-rules.spec.ts compares them).
import { BOTTLENECK_RULES, THRESHOLDS, type BottleneckRule } from './bottleneck-rules';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function ruleRow(rule: BottleneckRule): string {
  const evidence = rule.evidence.map((e) => `\`${e}\``).join(', ') + (rule.code === 'HEALTHY' ? ', and what every rule above reads' : '');
  return `| \`${rule.code}\` | ${rule.severity} | ${cell(rule.when)} | ${evidence} | ${cell(rule.says)} | ${rule.setting ? cell(rule.setting) : ''} | ${cell(rule.why)} |`;
}

export function renderRuleTables(rules: readonly BottleneckRule[] = BOTTLENECK_RULES): { rules: string; thresholds: string } {
  return {
    rules: [
      '| code | severity | when | evidence | says | setting | why |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rules.map(ruleRow),
    ].join('\n'),
    thresholds: [
      '| threshold | value | why |',
      '| --- | --- | --- |',
      ...Object.entries(THRESHOLDS).map(([name, t]) => `| \`${name}\` | ${t.value} | ${cell(t.why)} |`),
    ].join('\n'),
  };
}
