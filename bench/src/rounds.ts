// Rounds of a side-by-side benchmark: the timed texts cut into parts, each run by every participant
// in an order that rotates from round to round (two participants: A B, B A, A B, …), so a machine
// whose speed drifts during the run weighs on all of them alike (`emo bench interactive --against`,
// `emo bench fleet --rounds`).

/** `items` cut into `rounds` nearly equal parts, in order, none empty. */
export function splitRounds<T>(items: readonly T[], rounds: number): T[][] {
  const out: T[][] = [];
  for (let r = 0; r < rounds; r++)
    out.push(items.slice(Math.floor((r * items.length) / rounds), Math.floor(((r + 1) * items.length) / rounds)));
  return out.filter((part) => part.length > 0);
}

/** Who runs round `r`, in order: the participants rotated by `r`. */
export function roundOrder<T>(participants: readonly T[], r: number): readonly T[] {
  const k = r % Math.max(1, participants.length);
  return [...participants.slice(k), ...participants.slice(0, k)];
}
