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
import { estimateTokens } from '../generation/classify.js';
import { answerReserve, contextNeeded } from '../generation/context-need.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { SettledLimit } from '../generation/answer-limit.js';
import type { MemoryProvider } from '../memory/memory-hook.js';
import type { CallParts } from './call-plan.js';
import type { Work } from './work.js';

/** The request made ready to route: its work, system prompt and token counts. */
export interface Prepared {
  /** The work; its profile and how it was decided may change with the ranking (a default profile no model serves). */
  work: Work;
  /** The caller's words (never the text of inputs read for it). */
  words: string;
  notes: string[];
  system: string | undefined;
  /**
   * What the engine is sent as the prompt: the caller's (its inputs first), then the remembered facts chosen
   * for it.
   */
  prompt: string;
  maxTokens: number;
  /** The call's limit for a request that sets none (call-plan.ts): what the attempt's limit on a model is read from. */
  answer: SettledLimit;
  temperature?: number | undefined;
  /** The prompt and system estimated here, and as counted for the model (the caller's count where it gave one). */
  estimated: number;
  promptTokens: number;
  answerTokens: number;
  contextTokens: number;
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

export async function prepare(parts: CallParts, req: RouteRequest): Promise<Prepared> {
  const { settings, call } = parts;
  // the caller's words decide the kind of work, never the text of inputs read for it
  const words = req.intent ?? req.prompt;
  // the call's work, inferred once for all its requests: this request's own copy, as its ranking may change the profile
  let work: Work | undefined;
  const workOf = () => (work ??= { ...call.work() });
  if (req.progress) req.progress.enter({ kind: 'starting', what: `choosing a model for ${workOf().profile} work` });
  const notes: string[] = [];
  const memoryText =
    req.useMemory !== false && parts.memory
      ? await memoriesFor(parts.memory, words, settings.memory.promptBudgetTokens, notes)
      : '';
  const system =
    [parts.project?.systemPrompt, parts.agentSystem, req.system, req.guide]
      .filter((s): s is string => Boolean(s))
      .join('\n\n') || undefined;
  const prompt = memoryText ? `${req.prompt}\n\n${memoryText}` : req.prompt;
  const maxTokens = req.maxTokens ?? call.answer.tokens;
  const estimated = estimateTokens(`${system ?? ''}\n${prompt}`);
  // the caller may have counted the prompt for the model it names (offload: its tokenizer or calibration)
  const promptTokens =
    req.promptTokens !== undefined ? Math.max(estimated - estimateTokens(req.prompt), 0) + req.promptTokens : estimated;
  const answerTokens = answerReserve(req.maxTokens, maxTokens);
  const contextTokens = contextNeeded(promptTokens, req.images?.length ?? 0, answerTokens);
  const temperature = req.temperature ?? settings.options.temperature;
  return {
    get work() {
      return workOf();
    },
    words,
    notes,
    system,
    prompt,
    maxTokens,
    answer: call.answer,
    ...(temperature !== undefined && { temperature }),
    estimated,
    promptTokens,
    answerTokens,
    contextTokens,
  };
}
