/**
 * A request's prompt as the hosts' prefix memory knows it (fleet/prefix-memory.ts): the text its
 * engine reads (the system prompt, then the prompt) and its block chain; whose it is; what the
 * engine then said its cache held, checked against what was believed (`learnHeld`), and what its
 * owner may be told of it (`shownCached`, `believedCached`). Placement reads it before a request
 * (copy-affinity.ts), the run after it (jobs/route-generate.ts).
 */
import type { FleetHost } from './fleet-host.js';
import type { RouteRequest } from '../generation/route-types.js';
import { blockChain, type Sent } from './prefix-memory.js';

/** What the engine is sent of a request: its system prompt and prompt, laid out (route-prepare.ts). */
interface PromptSent {
  readonly system: string | undefined;
  readonly prompt: string;
}

/** What the engine reads of a request, as its chain is made of it: the system prompt, then the prompt. */
export const promptText = (ask: PromptSent): string => `${ask.system ?? ''}\u0000${ask.prompt}`;

/** The prompt's block chain, made once a request. */
const chains = new WeakMap<PromptSent, Uint32Array>();
export function chainOf(ask: PromptSent): Uint32Array {
  let chain = chains.get(ask);
  if (!chain) chains.set(ask, (chain = blockChain(promptText(ask))));
  return chain;
}

/** Whose the request's prompt is (RouteRequest.owner): what it is steered by and told of is that owner's alone. */
export const promptOwnerOf = (req: Pick<RouteRequest, 'owner' | 'agent'>): string => req.owner ?? req.agent ?? '';

/** The characters the prompt's chain is made of. */
export const promptChars = (ask: PromptSent) => (ask.system?.length ?? 0) + 1 + ask.prompt.length;

/**
 * What the engine said its cache held of a prompt `sent` to `host`, checked against what was
 * believed (fleet/prefix-memory.ts learn). Not with images: their tokens are in the count, not in
 * the text, so the share of the text held cannot be told.
 */
export function learnHeld(
  host: FleetHost,
  sent: Sent,
  ask: PromptSent,
  out: { promptTokens: number; cachedPromptTokens?: number },
  images: boolean,
): void {
  if (!images)
    host.prefixes.learn(sent, {
      promptChars: promptChars(ask),
      promptTokens: out.promptTokens,
      cachedTokens: out.cachedPromptTokens,
    });
}

/**
 * The prompt tokens the engine says its cache held, as its owner may be told them: no more than its
 * own prompts left there (`sent.ownChars`'s share), so a figure never tells one agent how far
 * another's prompt matches its own. Undefined when the engine does not say.
 */
export function shownCached(
  sent: Sent,
  ask: PromptSent,
  out: { promptTokens: number; cachedPromptTokens?: number },
): number | undefined {
  if (out.cachedPromptTokens === undefined) return undefined;
  const own = Math.floor(Math.min(1, sent.ownChars / Math.max(1, promptChars(ask))) * out.promptTokens);
  return Math.min(out.cachedPromptTokens, own);
}

/**
 * The prompt tokens a slot was believed to hold of a prompt `sent` whose engine says nothing of its
 * cache (`cachedPromptTokens` undefined): the believed share of its characters, of its tokens.
 * Undefined when the engine says, with images (their tokens are not the text), or nothing was held.
 */
export function believedCached(
  sent: Sent,
  ask: PromptSent,
  out: { promptTokens: number; cachedPromptTokens?: number },
  images: boolean,
): number | undefined {
  if (out.cachedPromptTokens !== undefined || images || sent.believedChars <= 0) return undefined;
  const share = Math.min(1, sent.believedChars / Math.max(1, promptChars(ask)));
  return Math.round(share * out.promptTokens);
}

/**
 * The slots a host's engine runs for a model: Ollama's parallel requests, else one (llama-server's own,
 * unknown before a request).
 */
export function prefixSlots(host: FleetHost): number {
  return host.kind === 'llamacpp' ? 1 : (host.engine.can.parallelSlots ?? host.settings.ollama.numParallel);
}
