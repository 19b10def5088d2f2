/**
 * Whether a candidate's answer (route-attempt.ts) is set aside for the next candidate: not of the
 * format asked for, degenerate — judged against what the candidate read — or failing the
 * caller's own check.
 */
import type { HostOverview } from '../fleet/placement.js';
import type { RouteRequest } from '../generation/route-types.js';
import { degenerate, degenerateWhy, type AnswerEnd, type Given } from '../generation/degenerate.js';
import type { FormatVerdict } from '../generation/answer-format.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import type { Trial } from './route-trial.js';

/**
 * What this candidate read: the prompt and ollm-mcp's system prompt, and the model's own system
 * prompt (its Modelfile's, a preset's) unless the caller's replaced it (stream.ts streamOptions).
 */
export function givenTo(t: Trial, candidate: Candidacy, unit: HostOverview): Given {
  const own = unit.overview.models.find((m) => m.name === candidate.model)?.own?.system;
  return own && t.req.system === undefined ? { ...t.given, texts: [...t.given.texts, own] } : t.given;
}

/** Why an answer was set aside; `empty` when it held no word. */
export type AnswerAside = { why: string; kind?: 'empty' };

/**
 * Why an answer is set aside, or undefined: not of the format the caller asked for (not JSON, or
 * breaking its schema); degenerate (generation/degenerate.ts: empty — not for JSON, where [] or {}
 * is an answer —, a loop of its own, or — only when the caller set no maxTokens, a cut at their own
 * limit being what they asked for — cut in its first sentence); or failing the caller's own check
 * (offload: most citations do not hold).
 */
export function setAside(
  text: string,
  end: AnswerEnd,
  req: RouteRequest,
  verdict: FormatVerdict | undefined,
): AnswerAside | undefined {
  if (verdict && !verdict.ok) return { why: verdict.why };
  const bad = degenerate(text, end);
  if (bad && !(bad.kind === 'cut' && req.maxTokens !== undefined) && !(bad.kind === 'empty' && verdict))
    return { why: degenerateWhy(bad), ...(bad.kind === 'empty' && { kind: 'empty' as const }) };
  const why = req.check?.(text);
  return why === undefined ? undefined : { why };
}
