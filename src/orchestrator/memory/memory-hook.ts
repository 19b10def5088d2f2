/**
 * How remembered facts join a prompt. The memory store (a later piece) implements this; the
 * generation path only asks for a system-prompt addition within a token budget.
 */
export interface MemoryProvider {
  /** The most relevant remembered facts for this prompt, as system-prompt text of at most `budgetTokens`; '' for none. */
  systemPromptAddition(prompt: string, budgetTokens: number): Promise<string>;
}
