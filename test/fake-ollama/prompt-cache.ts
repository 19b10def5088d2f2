/**
 * A runner's prompt cache, as Ollama's runner (llama-server, v0.33) keeps it: each of its
 * OLLAMA_NUM_PARALLEL slots holds the last prompt it read, and a new prompt takes the slot sharing
 * the longest prefix with it when that is more than SIMILARITY of the prompt (llama.cpp
 * tools/server/server-context.cpp: the slot chosen by prompt similarity, `--slot-prompt-similarity`
 * 0.1), else a slot never used, else the one used longest ago; it reads only what follows the
 * prefix its slot held — at least one token. prompt_eval_count still counts every prompt token (cache_n +
 * prompt_n, llm/llama_server.go);
 * prompt_eval_duration is the time of the tokens read. A reload starts with empty slots.
 */
import { countTokens } from './tokenize.js';

/** The share of a prompt a slot must hold for the prompt to take it (llama-server's default). */
export const SIMILARITY = 0.1;

export class PromptCache {
  private readonly slots: Array<{ text: string; at: number }> = [];
  private seq = 0;

  constructor(private readonly parallel: number) {}

  /** `text` read by one of the slots: the tokens of it the slot already held (at most all but one). */
  read(text: string, promptTokens: number): number {
    let best = -1;
    let most = 0;
    this.slots.forEach((s, i) => {
      const n = common(s.text, text);
      if (n > most) {
        most = n;
        best = i;
      }
    });
    const entry = { text, at: ++this.seq };
    if (most <= SIMILARITY * text.length) {
      // too little in common: another slot, read whole
      best = -1;
      most = 0;
    }
    if (best >= 0) this.slots[best] = entry;
    else if (this.slots.length < Math.max(1, this.parallel)) this.slots.push(entry);
    else this.slots[this.slots.reduce((o, s, i, all) => (s.at < all[o]!.at ? i : o), 0)] = entry;
    return most === 0 ? 0 : Math.max(0, Math.min(countTokens(text.slice(0, most)), promptTokens - 1));
  }
}

function common(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
