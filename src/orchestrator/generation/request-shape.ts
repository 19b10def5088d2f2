/**
 * A request filled in from its shape: what it shares with the other requests of its call — the
 * caller's words, the system prompt, the remembered facts chosen for those words, the temperature
 * and the call's answer limit (shaped once: route/route-prepare.ts; for every part of a split job,
 * route/split-route.ts) — then its own prompt, with the facts after it (what repeats first, for the
 * engines' prefix caches), its answer's limit and the tokens it needs; and the first phase a
 * request reports (startingPhase). Pure.
 */
import { estimateTokens } from './classify.js';
import { answerReserve, contextNeeded } from './context-need.js';
import type { SettledLimit } from './answer-limit.js';
import type { RouteRequest } from './route-types.js';
import type { Phase } from '../progress/phases.js';

/** What the requests of one shape share: shaped once, filled per request. */
export interface RequestShape {
  /** The caller's words (never the text of inputs read for it). */
  words: string;
  /** Why remembered facts were not used, when they could not be read. */
  notes: string[];
  system: string | undefined;
  /** The remembered facts chosen for the caller's words ('' when none are sent). */
  facts: string;
  /**
   * The call's limit for a request that sets none (route/call-plan.ts): what the attempt's limit on a model is
   * read from.
   */
  answer: SettledLimit;
  temperature?: number | undefined;
}

/** A request made ready to route, but for its work (route/route-prepare.ts Prepared). */
export interface FilledRequest extends Omit<RequestShape, 'facts'> {
  /**
   * What the engine is sent as the prompt: the caller's (its inputs first), then the remembered facts chosen
   * for it.
   */
  prompt: string;
  maxTokens: number;
  /** The prompt and system estimated here, and as counted for the model (the caller's count where it gave one). */
  estimated: number;
  promptTokens: number;
  answerTokens: number;
  contextTokens: number;
}

type Own = Pick<RouteRequest, 'prompt' | 'promptTokens' | 'maxTokens' | 'images' | 'useMemory'>;

/** `req` filled in from `shape`: its prompt with the shape's facts after it (unless it sends none), and its counts. */
export function filled(shape: RequestShape, req: Own): FilledRequest {
  const { facts, ...shared } = shape;
  const withFacts = req.useMemory !== false && facts !== '';
  const prompt = withFacts ? `${req.prompt}\n\n${facts}` : req.prompt;
  const maxTokens = req.maxTokens ?? shape.answer.tokens;
  const estimated = estimateTokens(`${shape.system ?? ''}\n${prompt}`);
  // the caller may have counted the prompt for the model it names (offload: its tokenizer or calibration)
  const promptTokens =
    req.promptTokens !== undefined ? Math.max(estimated - estimateTokens(req.prompt), 0) + req.promptTokens : estimated;
  const answerTokens = answerReserve(req.maxTokens, maxTokens);
  const contextTokens = contextNeeded(promptTokens, req.images?.length ?? 0, answerTokens);
  return {
    ...shared,
    notes: req.useMemory !== false ? [...shape.notes] : [],
    prompt,
    maxTokens,
    estimated,
    promptTokens,
    answerTokens,
    contextTokens,
  };
}

/**
 * A request's first phase: the model it is planned on when it names one — its work, not needed to
 * choose a model, then waits for its first token, off the way to the engine — else the work a model
 * is chosen for.
 */
export function startingPhase(req: Pick<RouteRequest, 'model'>, work: () => { profile: string }): Phase {
  return {
    kind: 'starting',
    what: req.model ? `planning the call on ${req.model}` : `choosing a model for ${work().profile} work`,
  };
}
