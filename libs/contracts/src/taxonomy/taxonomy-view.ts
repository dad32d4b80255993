// A coarse view (ekman, sentiment) of a fine GoEmotions result, computed from the 28 fine scores
// and the fine predictions only, so it can be derived anywhere after the model and the result
// cache (ADR 015):
// - a group's score is the max of its members' scores (the strongest evidence of any member; in
//   [0, 1] because every fine score is, and the same rounding as the fine scores);
// - a group is predicted when any of its members is predicted (passed its own threshold), so every
//   predicted fine label has its group predicted and no group is predicted without a member;
// - neutral is predicted when fine neutral is, and also when no other group is (a text always gets
//   at least one coarse label), with fine neutral's score.
// goemotions is the identity: the fine result itself.
import type { ClassificationResult, ClassifyOutcome } from '../classification';
import { NEUTRAL, TAXONOMY_GROUPS, type Taxonomy } from './taxonomies';

const unsupported = (missing: string): ClassifyOutcome => ({
  error: {
    code: 'TAXONOMY_UNSUPPORTED',
    message: `The model's labels are not GoEmotions' (no "${missing}"): only the goemotions taxonomy applies`,
  },
});

/**
 * The view `taxonomy` of one fine result. A coarse view needs the fine result's full score map
 * (classify the fine result with includeScores); `includeScores` says whether the view keeps its
 * group scores. A model whose labels are not GoEmotions' gets TAXONOMY_UNSUPPORTED in its place.
 */
export function viewResult(fine: ClassificationResult, taxonomy: Taxonomy, includeScores: boolean): ClassifyOutcome {
  if (taxonomy === 'goemotions') return fine;
  const scores = fine.scores;
  if (!scores) throw new Error('a coarse view needs the fine result with every score (includeScores)');
  const predicted = new Set(fine.labels.map((l) => l.label));
  const groups = TAXONOMY_GROUPS[taxonomy];
  const groupScores: Record<string, number> = {};
  const labels: { label: string; score: number }[] = [];
  let neutralScore = 0;
  for (const [group, members] of Object.entries(groups)) {
    let score = 0;
    for (const member of members) {
      const s = scores[member];
      if (s === undefined) return unsupported(member);
      score = Math.max(score, s);
    }
    groupScores[group] = score;
    if (group === NEUTRAL) neutralScore = score;
    else if (members.some((m) => predicted.has(m))) labels.push({ label: group, score });
  }
  if (predicted.has(NEUTRAL) || labels.length === 0) labels.push({ label: NEUTRAL, score: neutralScore });
  // By score, descending; ties keep table order (Array.prototype.sort is stable).
  labels.sort((a, b) => b.score - a.score);
  const view: ClassificationResult = { labels, model: fine.model, taxonomy };
  if (fine.id !== undefined) view.id = fine.id;
  if (includeScores) view.scores = groupScores;
  if (fine.truncated) view.truncated = true;
  return view;
}

/** viewResult over outcomes in place order; errors stay as they are. */
export function viewOutcomes(outcomes: readonly ClassifyOutcome[], taxonomy: Taxonomy, includeScores: boolean): ClassifyOutcome[] {
  if (taxonomy === 'goemotions') return outcomes as ClassifyOutcome[];
  return outcomes.map((o) => ('error' in o ? o : viewResult(o, taxonomy, includeScores)));
}
