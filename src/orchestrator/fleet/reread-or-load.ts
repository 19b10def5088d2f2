/**
 * Whether a request loads a copy of its model on another host rather than evict another agent's
 * prompt from the only copy (issue 75, finding 10). A model's slots hold the last prompt each
 * (Ollama's num_parallel, llama-server's slots); when every slot of the copy a request goes to holds
 * another owner's prompt used lately, sending it there evicts that prompt, and the two agents then
 * read their whole prompts again on every call, in turn. Where a host has room for the model (it
 * fits in free memory there, nothing unloaded), loading a copy there costs one load; staying costs
 * reading the prompt again: so the copy is loaded when the load takes less than reading the
 * prompt at the copy's prompt speed (measured, else assumed) — the load at the load speed
 * measured here (else assumed).
 *
 * What is weighed of the slots is only whether one is free, whether one is the caller's own, and
 * when the one a new prompt would take (used longest ago) was last used by another owner — never
 * how far another's prompt matches the caller's (prefix-memory.ts: that would be a cache oracle).
 * Pure: plain data in, a choice out.
 */
import { MIN_HELD_CHARS } from './prefix-affinity.js';

/** Another owner's use of a slot within this long is recent: its agent may ask again (the extra copies' idle time). */
export const RECENT_MS = 180_000;

/** What a request would find in a copy's slots (PrefixMemory.taken). */
export interface SlotsTaken {
  /** A slot holds no prompt yet (or the engine is not believed to keep them). */
  free: boolean;
  /** A slot holds a prompt of the caller's own. */
  own: boolean;
  /** When the slot a new prompt would take (the one used longest ago) was last used, by another owner; epoch ms. */
  othersAt?: number | undefined;
}

/** A host with room for the model: not loaded there, it fits in free memory now. */
interface Room {
  host: string;
  /** The load's estimate there, ms. */
  loadMs: number;
}

export interface RereadOrLoad {
  /** The copy the request would go to. */
  copy: string;
  /** The request's prompt, in characters (what a slot holds) and in tokens (what is read). */
  promptChars: number;
  promptTokens: number;
  /** The model's prompt speed at the copy: measured, else assumed. */
  promptTokensPerSecond: number;
  slots: SlotsTaken;
  rooms: readonly Room[];
  now: number;
  /** Another's use within this long is recent (RECENT_MS unless said). */
  recentMs?: number;
}

export interface LoadChoice {
  /** The room chosen, an index into `rooms`. */
  index: number;
  /** Why, for the result's reason (nothing of another's prompt: only that the copy's slots are taken). */
  why: string;
  /** Why the copy loaded there is extra, for the fleet's status. */
  extraWhy: string;
}

const secs = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

/** The room to load the model in instead of evicting another's recent prompt at `copy`; undefined to stay. */
export function rereadOrLoad(x: RereadOrLoad): LoadChoice | undefined {
  const { slots } = x;
  // nothing of another's would be evicted; or its agent has not asked lately
  if (slots.free || slots.own || slots.othersAt === undefined) return undefined;
  if (x.now - slots.othersAt > (x.recentMs ?? RECENT_MS)) return undefined;
  // too short a prompt to be kept for its next call
  if (x.promptChars < MIN_HELD_CHARS || !(x.promptTokens > 0)) return undefined;
  if (!(x.promptTokensPerSecond > 0)) return undefined;
  const rereadMs = (x.promptTokens / x.promptTokensPerSecond) * 1000;
  let index = -1;
  x.rooms.forEach((r, i) => {
    const cheaper = Number.isFinite(r.loadMs) && r.loadMs >= 0 && r.loadMs < rereadMs;
    if (cheaper && (index < 0 || r.loadMs < x.rooms[index]!.loadMs)) index = i;
  });
  if (index < 0) return undefined;
  const room = x.rooms[index]!;
  const taken = `the slots of the copy on ${x.copy}`;
  const reread = `reading this prompt again (~${x.promptTokens} tokens, ~${secs(rereadMs)} s)`;
  const load = `loading it on ${room.host} (~${secs(room.loadMs)} s)`;
  return {
    index,
    why: `${load} takes less than ${reread} where ${taken} hold others' recent prompts`,
    extraWhy: `${taken} held other requests' recent prompts`,
  };
}
