/**
 * How remembered facts join a prompt. The memory store implements this; the generation path asks
 * for the facts of one prompt within a token budget, and sends them after the prompt
 * (route/route-prepare.ts: what varies last, for the engines' prefix caches).
 */
export interface MemoryProvider {
  /** The most relevant remembered facts for this prompt, as text of at most `budgetTokens`; '' for none. */
  factsFor(prompt: string, budgetTokens: number): Promise<string>;
}
