/**
 * What a host showed of its speed, whatever the model, pure (issue 73, Deliver 2: speeds not yet
 * measured come from what the host is): each model measured there writes its weights' bytes through
 * so many times a second (tokens/s × its size) and reads prompts likewise; the median over the
 * host's models, taken to another model's size, is that model's speed there until its own is
 * measured (assumed-speeds.ts). Models whose size was not kept say nothing.
 */
import { hostPrefix, median, speedKey, type SpeedBook } from './speed-learning.js';

/**
 * The host's figures: bytes of weights written a second, and prompt tokens read a second × size; absent until
 * a model was measured there.
 */
export interface HostRates {
  hostBandwidth?: number;
  hostPromptScale?: number;
}

/** The host's figures from its models but `except` (the model estimated: its own figures are its own). */
export function hostRates(book: SpeedBook, host: string, except?: string): HostRates {
  const written: number[] = [];
  const read: number[] = [];
  const here = hostPrefix(host);
  const own = except === undefined ? undefined : speedKey(host, except);
  for (const [key, r] of Object.entries(book)) {
    if (!r.bytes || !key.startsWith(here) || key === own) continue;
    const g = median(r.generate);
    // a short prompt's rate, the least it reads at, while no longer one was timed
    const p = median(r.prompt) ?? median(r.short ?? []);
    if (g !== undefined) written.push(g * r.bytes);
    if (p !== undefined) read.push(p * r.bytes);
  }
  const out: HostRates = {};
  const bandwidth = median(written);
  const scale = median(read);
  if (bandwidth !== undefined) out.hostBandwidth = bandwidth;
  if (scale !== undefined) out.hostPromptScale = scale;
  return out;
}
