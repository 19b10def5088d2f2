/**
 * The largest context a model can run with on its host now — the smallest of its trained window
 * and what the host's memory holds for it (weights plus the KV cache of that context, for every
 * slot), after the unloads the planner would make. Pure: the caller says whether a context fits.
 *
 * Only the contexts the loader would ask for are tried (load-context.ts contextFor: the base
 * context, a power of two above it, or the trained window), so a job sized to the answer is loaded
 * with a context the planner has already said yes to.
 */

/**
 * The contexts the loader can load a model with, largest first: the trained window, the powers of two below
 * it, down to the base.
 */
export function contextSteps(trained: number, base: number): number[] {
  const floor = Math.max(1, Math.min(base, trained));
  const steps = [trained];
  for (let c = 2 ** Math.floor(Math.log2(trained)); c > floor; c /= 2) if (c < trained) steps.push(c);
  if (floor < trained) steps.push(floor);
  return steps;
}

/** The largest step that fits, or undefined when not even the base context does. */
export function largestContext(
  trained: number,
  base: number,
  fits: (contextLength: number) => boolean,
): number | undefined {
  return contextSteps(trained, base).find(fits);
}
