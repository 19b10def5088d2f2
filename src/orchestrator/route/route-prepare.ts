/**
 * A request shaped for its engine, before it is placed: the kind of work (from the caller's
 * words), the system prompt, the prompt with remembered facts, the answer's limit and the tokens
 * it needs. Laid out for the engines' prefix caches (DESIGN: what repeats first, what varies
 * last): the system prompt holds only what is the same for every call of this agent and project
 * (their prompts, the caller's system, the guide); the remembered facts, chosen by the question,
 * come after the prompt — so questions over the same inputs share everything up to the question.
 * The work is worked out when first needed — at once for a ranking, a dry run or a client shown
 * progress; for the model the caller named, at its first token (route-attempt.ts), so its cost is
 * not on the way to the engine.
 */
import { filled, startingPhase, type FilledRequest, type RequestShape } from '../generation/request-shape.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { MemoryProvider } from '../memory/memory-hook.js';
import type { CallParts } from './call-plan.js';
import type { Work } from './work.js';

/** The request made ready to route: its work, system prompt and token counts (generation/request-shape.ts). */
export interface Prepared extends FilledRequest {
  /** The work; its profile and how it was decided may change with the ranking (a default profile no model serves). */
  work: Work;
}

/** Remembered facts for the prompt; when memory cannot be read, generation goes on without it and says why. */
async function memoriesFor(
  memory: MemoryProvider,
  prompt: string,
  budgetTokens: number,
  notes: string[],
): Promise<string> {
  try {
    return await memory.factsFor(prompt, budgetTokens);
  } catch (err) {
    notes.push(`Remembered facts were not used: ${err instanceof Error ? err.message : String(err)}`);
    return '';
  }
}

/**
 * What every request of `req`'s shape shares (generation/request-shape.ts): the caller's words, the
 * system prompt — only what is the same for every call of this agent and project —, the remembered
 * facts chosen by the words, the temperature and the call's answer limit.
 */
export async function shapeOf(parts: CallParts, req: RouteRequest): Promise<RequestShape> {
  const { settings, call } = parts;
  // the caller's words decide the kind of work, never the text of inputs read for it
  const words = req.intent ?? req.prompt;
  const notes: string[] = [];
  const facts =
    req.useMemory !== false && parts.memory
      ? await memoriesFor(parts.memory, words, settings.memory.promptBudgetTokens, notes)
      : '';
  const system =
    [parts.project?.systemPrompt, parts.agentSystem, req.system, req.guide]
      .filter((s): s is string => Boolean(s))
      .join('\n\n') || undefined;
  const temperature = req.temperature ?? settings.options.temperature;
  return { words, notes, system, facts, answer: call.answer, ...(temperature !== undefined && { temperature }) };
}

export async function prepare(parts: CallParts, req: RouteRequest): Promise<Prepared> {
  // the call's work, inferred once for all its requests: this request's own copy, as its ranking may change the profile
  let work: Work | undefined;
  const workOf = () => (work ??= { ...parts.call.work() });
  if (req.progress) req.progress.enter(startingPhase(req, workOf));
  const shape = await shapeOf(parts, req);
  return {
    get work() {
      return workOf();
    },
    ...filled(shape, req),
  };
}
