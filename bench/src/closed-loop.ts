// In-process closed-loop callers: the shape of `emo bench interactive`'s load (one text per call,
// N calls in flight) run against the engine itself, so a bench can say what the engine does with
// that call shape before any HTTP, queue or Redis is in the way.
import type { Classifier } from '@emo/contracts';

/** `callers` closed-loop callers, each sending one text per interactive call until the texts run out. */
export async function closedLoopCalls(engine: Pick<Classifier, 'classify'>, texts: readonly string[], callers: number): Promise<void> {
  let next = 0;
  const caller = async () => {
    while (next < texts.length) await engine.classify([texts[next++]], { priority: 'interactive' });
  };
  await Promise.all(Array.from({ length: callers }, caller));
}
