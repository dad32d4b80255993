// The label views a caller may ask for (`taxonomy`): the model's own 28 GoEmotions labels, or one of
// the two coarse groupings the GoEmotions paper defines (Demszky et al., ACL 2020, section 3 and
// Figure 2): Ekman's six basic emotions + neutral, and sentiment (positive / negative / ambiguous)
// + neutral. The tables are the paper's published mappings, as released with the dataset in
// google-research/goemotions (data/ekman_mapping.json, data/sentiment_mapping.json); neutral, which
// those files leave out, is its own group in both. The project's own data (28 entries each).
import { AppError } from '../app-error';

export const TAXONOMIES = ['goemotions', 'ekman', 'sentiment'] as const;
export type Taxonomy = (typeof TAXONOMIES)[number];
export type CoarseTaxonomy = Exclude<Taxonomy, 'goemotions'>;
export const DEFAULT_TAXONOMY: Taxonomy = 'goemotions';

/** The group every fine label that no other group names falls back to, and the answer when nothing else is predicted. */
export const NEUTRAL = 'neutral';

/** Group → its fine GoEmotions labels, in the order results list tied groups. */
export const TAXONOMY_GROUPS: Readonly<Record<CoarseTaxonomy, Readonly<Record<string, readonly string[]>>>> = {
  ekman: {
    anger: ['anger', 'annoyance', 'disapproval'],
    disgust: ['disgust'],
    fear: ['fear', 'nervousness'],
    joy: [
      'joy',
      'amusement',
      'approval',
      'excitement',
      'gratitude',
      'love',
      'optimism',
      'relief',
      'pride',
      'admiration',
      'desire',
      'caring',
    ],
    sadness: ['sadness', 'disappointment', 'embarrassment', 'grief', 'remorse'],
    surprise: ['surprise', 'realization', 'confusion', 'curiosity'],
    neutral: ['neutral'],
  },
  sentiment: {
    positive: [
      'amusement',
      'excitement',
      'joy',
      'love',
      'desire',
      'optimism',
      'caring',
      'pride',
      'admiration',
      'gratitude',
      'relief',
      'approval',
    ],
    negative: [
      'fear',
      'nervousness',
      'remorse',
      'embarrassment',
      'disappointment',
      'sadness',
      'grief',
      'disgust',
      'anger',
      'annoyance',
      'disapproval',
    ],
    ambiguous: ['realization', 'surprise', 'curiosity', 'confusion'],
    neutral: ['neutral'],
  },
};

export function isTaxonomy(value: unknown): value is Taxonomy {
  return typeof value === 'string' && (TAXONOMIES as readonly string[]).includes(value);
}

/** A caller's taxonomy (absent: goemotions); anything else is TAXONOMY_UNKNOWN naming the allowed values. */
export function parseTaxonomy(value: unknown): Taxonomy {
  if (value === undefined || value === null) return DEFAULT_TAXONOMY;
  if (isTaxonomy(value)) return value;
  throw new AppError('TAXONOMY_UNKNOWN', `Unknown taxonomy ${JSON.stringify(value)}: one of ${TAXONOMIES.join(', ')}`, {
    allowed: [...TAXONOMIES],
  });
}

/** The group names of a taxonomy, in table order (goemotions: none, its labels are the model's). */
export function groupNames(taxonomy: CoarseTaxonomy): readonly string[] {
  return Object.keys(TAXONOMY_GROUPS[taxonomy]);
}
