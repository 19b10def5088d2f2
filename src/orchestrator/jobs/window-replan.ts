/**
 * A job planned for a window an engine then refused, naming its real one (a front that ran a model
 * with less than its trained window and did not say so): the refusal is learned by the adapter
 * (Engine.learnedWindows), and the job is planned again once, within the same call, for what is
 * known now — a split job re-split to fit the window learned, a whole one moved to a model whose
 * window holds it, or split. A second refusal is the answer: no loop.
 */
import type { JobParts } from '../route/parts.js';

/** The windows learned from refusals, per host and model, at one moment. */
type LearnedWindows = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** What every host has learned of its models' windows from refusals, now. */
function learnedWindows(job: Pick<JobParts, 'fleet'>): LearnedWindows {
  return new Map(job.fleet.hosts.map((h) => [h.name, new Map(h.engine.learnedWindows?.() ?? [])]));
}

/** The windows learned since `before` (new, or smaller than then), as "model on host: N tokens". */
function learnedSince(job: Pick<JobParts, 'fleet'>, before: LearnedWindows): string[] {
  const out: string[] = [];
  for (const [host, now] of learnedWindows(job)) {
    for (const [model, limit] of now) {
      const then = before.get(host)?.get(model);
      if (then === undefined || limit < then)
        out.push(`${model}${job.fleet.hosts.length > 1 ? ` on ${host}` : ''} runs with a ${limit}-token window`);
    }
  }
  return out;
}

/**
 * Runs `first`; when it fails after an engine refused a prompt naming a window not known before,
 * runs `again` once (which plans anew), its result noting why. A cancel, or a failure with nothing
 * learned, is thrown as it is.
 */
export async function replanOnRefusal<R extends { notes?: string[] }>(
  job: Pick<JobParts, 'fleet'>,
  signal: AbortSignal | undefined,
  first: () => Promise<R>,
  again: () => Promise<R>,
): Promise<R> {
  const before = learnedWindows(job);
  try {
    return await first();
  } catch (err) {
    if (signal?.aborted) throw err;
    const learned = learnedSince(job, before);
    if (learned.length === 0) throw err;
    const result = await again();
    const note = `Planned again after a refusal: ${learned.join('; ')} (the engine said so), not the window it reports.`;
    return { ...result, notes: [...(result.notes ?? []), note] };
  }
}
