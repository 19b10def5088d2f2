/**
 * When the route has no candidate at all for the work, it says why of every model here, beside
 * the hosts that are down — never only a host: the models that could take the work have windows
 * too small (said with the widest), or no model can take it (each one and why: it writes no text,
 * does not fit its host's memory, serves other work — never said of a model the user chose for
 * it). It throws when nothing else may answer (no cloud fallback, or inputs read by path for a
 * long prompt); otherwise the reasons join the attempts the cloud fallback's answer (or its
 * refusal) lists.
 */
import type { JobParts } from './parts.js';
import type { Candidate } from '../fleet/windows.js';
import type { ProfileName, TaskType } from '../config/profiles.js';
import { whyNoCandidate } from '../generation/route-choices.js';
import { RouteError, type Attempt, type RouteRequest } from '../generation/route-types.js';

export interface NoCandidate {
  profile: ProfileName;
  /**
   * The work's task: a model made for it (create_model's task) is the user's choice, held only to what it
   * cannot do.
   */
  task: TaskType;
  models: ReadonlyArray<Candidate & { trainedWindow?: number }>;
  /** What was tried or found so far (hosts that are down, a named model's window): the reasons are added here. */
  attempts: Attempt[];
  contextTokens: number;
  promptTokens: number;
  answerTokens: number;
  /**
   * The host a model without a host tag is on (the one host that answered), when the fleet has several:
   * models are named with their host then.
   */
  namedHost: ((m: Candidate) => string) | undefined;
}

export function noCandidate(parts: JobParts, req: RouteRequest, c: NoCandidate): void {
  const { profile, attempts } = c;
  const images = (req.images?.length ?? 0) > 0;
  const work = {
    task: c.task,
    named: Boolean(req.task || req.profile || images),
    images,
    ...(req.inputsByReference && { readsInputs: true }),
  };
  const routing = parts.routing();
  // a model the user chose for the work (configured, preferred, made for it) is held only to what it cannot do
  const why = (m: Candidate) => whyNoCandidate(m, profile, work, routing);
  const takers = c.models.filter((m) => !m.cloud && why(m) === undefined);
  const widest = Math.max(0, ...takers.map((m) => m.contextWindow));
  if (widest > 0 && widest < c.contextTokens) {
    const trained = Math.max(0, ...takers.map((m) => m.trainedWindow ?? m.contextWindow));
    // the window a model can use here now: memory may hold less than it was trained for
    const window =
      `the largest context window a model can use here now is ` +
      `${widest}${trained > widest ? ` (trained for up to ${trained}; memory holds less)` : ''}`;
    if (!parts.fallback || req.inputsByReference) {
      const next = req.inputsByReference
        ? 'shorten the task, lower maxTokens, or name fewer files'
        : 'pass long inputs by path (files, diff) so they can be split into parts, shorten the ' +
          'prompt, or lower maxTokens';
      throw new RouteError(
        `The prompt needs about ${c.promptTokens} tokens plus ${c.answerTokens} for the answer, but ` +
          `${window} — ${next}; it was not truncated.`,
        attempts,
        { neededTokens: c.contextTokens, widestTokens: widest },
      );
    }
    // the cloud fallback is asked, and the result says why no local model took it
    attempts.push({
      model: 'local models',
      error: `${window}, too small for ~${c.promptTokens} prompt + ${c.answerTokens} answer tokens`,
    });
    return;
  }
  if (takers.length > 0) return; // a named model alone was asked for: its attempt says why
  for (const m of c.models)
    attempts.push({
      model: c.namedHost ? `${m.name} on ${c.namedHost(m)}` : m.name,
      error: why(m) ?? 'cannot take it',
    });
  const list = attempts.map((a) => `${a.model}: ${a.error.replace(/[.\s]+$/, '')}`).join('; ');
  if (!parts.fallback)
    throw new RouteError(
      `No installed model that fits this machine can take ${profile} ` +
        `work${list ? ` (${list})` : ''} — pull one (see list_models), or do this task yourself.`,
      attempts,
    );
  if (attempts.length === 0)
    attempts.push({ model: `${profile} work`, error: 'no installed model that fits this machine can take it' });
}
