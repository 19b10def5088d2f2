/**
 * What each host's engine has already read, as placement needs it (issue 64, prefix affinity).
 * Ollama's runner and llama-server keep each slot's last prompt and read only what follows the
 * part a new prompt shares with it; a request sent where its prefix is held skips reading it. The
 * engines do not say what their slots hold, so each host remembers what this server sent there:
 * per model, one entry per slot, the prompt as a chain of block hashes (a 40 KB prompt is 160
 * numbers, never its text). A new prompt takes the slot that shares most with it when that is more
 * than SIMILARITY of it, as the engines choose (llama-server's `--slot-prompt-similarity`, 0.1, which
 * Ollama's runner is), else a free slot, else the one used longest ago. Bounded: at most MAX_MODELS models a
 * host, MAX_SLOTS slots each, a chain at most
 * MAX_BLOCKS long — 2 MB a host at the very most, a few KB as used.
 *
 * Whose each slot's prompt is (its owner: an agent in its scope, as jobs are) is kept with it, and a
 * request is steered only by what its own owner sent (`held`): what another agent sent never moves
 * it, nor shows in its reason or figures — placement by another's prefix would be a cache oracle
 * (a guess of another's prompt placed where that prompt sits, a wrong one elsewhere). Which slot a
 * prompt takes is the engine's choice and owner-blind, as the engine is; so is whether a slot is
 * free, which tells only that some prompt is held there, never what.
 *
 * The belief is checked against what the engine says its cache held of each prompt sent
 * (prefix-evidence.ts): a model whose engine does not keep this server's prefixes is believed to
 * hold nothing (every slot free), so placement neither steers there for its cache nor away from it
 * to spare what it holds; and a miss drops every slot's claim to more of that prompt than the
 * engine held — the prompt just read is what a slot holds now.
 */
import {
  evidenceOf,
  trustAfter,
  trusted,
  type PromptReport,
  type PrefixEvidence,
  type Trust,
} from './prefix-evidence.js';
import type { SlotsTaken } from './reread-or-load.js';

/** Characters a hash block covers: a prefix is known to within this. */
export const BLOCK_CHARS = 256;
/** Longest chain kept: 1 MB of prompt. */
const MAX_BLOCKS = 4096;
/** The share of a prompt a slot must hold for the prompt to take it (llama-server's default). */
const SIMILARITY = 0.1;
const MAX_MODELS = 16;
const MAX_SLOTS = 8;

/**
 * The prompt as block hashes, each over its block and every block before it (FNV-1a, 32 bits): equal
 * prefixes, equal leading hashes.
 */
export function blockChain(text: string): Uint32Array {
  const n = Math.min(MAX_BLOCKS, Math.floor(text.length / BLOCK_CHARS));
  const chain = new Uint32Array(n);
  let h = FNV_SEED;
  for (let b = 0; b < n; b++) chain[b] = h = fnv(text, b * BLOCK_CHARS, (b + 1) * BLOCK_CHARS, h);
  return chain;
}

const FNV_SEED = 0x811c9dc5;

/** FNV-1a over `text`'s characters from `from` to `to`, continuing from `h`. */
function fnv(text: string, from: number, to: number, h: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The hash of `text`'s first `chars` characters, as its block chain (`chain`) continued to there. */
function hashTo(text: string, chain: Uint32Array, chars: number): number {
  const blocks = Math.min(chain.length, Math.floor(chars / BLOCK_CHARS));
  return fnv(text, blocks * BLOCK_CHARS, chars, blocks > 0 ? chain[blocks - 1]! : FNV_SEED);
}

/** How many leading blocks two chains share. */
export function sharedBlocks(a: Uint32Array, b: Uint32Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

interface Slot {
  chain: Uint32Array;
  at: number;
  /** Whose prompt it is. */
  owner: string;
  /**
   * The whole prompt's length and hash (hashTo), when it was given: a prompt that begins with all of it is
   * known to share it to the character.
   */
  whole?: { chars: number; hash: number } | undefined;
}

/** A model's slots here, and whether the engine is believed to keep what they were sent. */
interface ModelSlots {
  list: Slot[];
  trust?: Trust | undefined;
}

/** A prompt sent: what the engine's report of it is checked against (PrefixMemory.learn). */
export interface Sent {
  model: string;
  chain: Uint32Array;
  /**
   * The characters of it a slot was believed to hold before it was sent, trusted or not, whoever sent them
   * (what the engine's report is checked against).
   */
  believedChars: number;
  /** Of those, what its own owner's prompts left there: all that may be shown to that owner. */
  ownChars: number;
}

export class PrefixMemory {
  private readonly byModel = new Map<string, ModelSlots>();

  /**
   * `owner`'s prompt sent to `model` here, whose engine runs `slots` slots for it: the slot that
   * shares most with it holds it now, else a free one, else the one used longest ago. With its
   * `text`, what the owner's own prompts left there is known past the last whole block.
   */
  note(owner: string, model: string, chain: Uint32Array, slots: number, now = Date.now(), text?: string): Sent {
    const sent: Sent = {
      model,
      chain,
      believedChars: this.believed(model, chain),
      ownChars: Math.max(this.believed(model, chain, owner), this.ownWhole(model, owner, chain, text)),
    };
    if (chain.length === 0) return sent;
    const memory = this.byModel.get(model) ?? { list: [] };
    this.byModel.delete(model); // most recently used model last
    if (this.byModel.size >= MAX_MODELS) this.byModel.delete(this.byModel.keys().next().value!);
    this.byModel.set(model, memory);
    const { list } = memory;
    let best = -1;
    let most = 0;
    list.forEach((s, i) => {
      const shared = sharedBlocks(s.chain, chain);
      if (shared > most) {
        most = shared;
        best = i;
      }
    });
    if (most <= SIMILARITY * chain.length) best = -1; // too little in common: the engine takes another slot
    const room = Math.max(1, Math.min(MAX_SLOTS, slots));
    while (list.length > room) list.splice(oldest(list), 1); // the engine runs fewer slots now
    const whole = text === undefined ? undefined : { chars: text.length, hash: hashTo(text, chain, text.length) };
    if (best < 0 && list.length < room) list.push({ chain, at: now, owner, whole });
    else list[best >= 0 ? best : oldest(list)] = { chain, at: now, owner, whole };
    return sent;
  }

  /**
   * What the engine said it held of a prompt `sent` here (prefix-evidence.ts), learned: a miss
   * counts toward distrust and drops the slots' claims to more of that prompt than the engine
   * held; a hit trusts the model's slots again. What it shows, or undefined when nothing.
   */
  learn(sent: Sent, report: PromptReport, now = Date.now()): PrefixEvidence | undefined {
    const e = evidenceOf(sent.believedChars, report);
    const memory = this.byModel.get(sent.model);
    if (!e || !memory) return e;
    memory.trust = trustAfter(memory.trust, e, now);
    if (e.kind === 'miss')
      memory.list = memory.list.filter(
        (s) => s.chain === sent.chain || sharedBlocks(s.chain, sent.chain) * BLOCK_CHARS <= e.cachedChars,
      );
    return e;
  }

  /**
   * The characters of `owner`'s `chain` a slot of `model` here holds from `owner`'s own prompts (to within
   * BLOCK_CHARS); none while its engine is not believed to keep them.
   */
  held(owner: string, model: string, chain: Uint32Array, now = Date.now()): number {
    return trusted(this.byModel.get(model)?.trust, now) ? this.believed(model, chain, owner) : 0;
  }

  /**
   * Whether one of `model`'s `slots` here holds no prompt of this server's yet (each, while its engine is not
   * believed to keep them).
   */
  freeSlot(model: string, slots: number, now = Date.now()): boolean {
    const memory = this.byModel.get(model);
    return !trusted(memory?.trust, now) || (memory?.list.length ?? 0) < Math.max(1, slots);
  }

  /**
   * What a prompt of `owner`'s would find in `model`'s `slots` here (reread-or-load.ts): a free slot
   * (each, while its engine is not believed to keep prompts), one of its own, and when the slot it
   * would take — the one used longest ago — was last used by another owner. Of another's slot only
   * that it is taken, and since when: never what it holds.
   */
  taken(owner: string, model: string, slots: number, now = Date.now()): SlotsTaken {
    const list = this.byModel.get(model)?.list ?? [];
    if (this.freeSlot(model, slots, now)) return { free: true, own: false };
    if (list.some((s) => s.owner === owner)) return { free: false, own: true };
    return { free: false, own: false, othersAt: list[oldest(list)]?.at };
  }

  /**
   * The models loaded now, as the engine lists them: the slots of every other one are gone, and what they
   * held with them.
   */
  loadedNow(names: ReadonlySet<string>): void {
    for (const [model, memory] of [...this.byModel]) {
      if (names.has(model)) continue;
      if (memory.trust)
        memory.list = []; // what was learned of the engine stays: it keeps (or not) what a new load is sent alike
      else this.byModel.delete(model);
    }
  }

  /** The longest of `owner`'s whole prompts held here that `text` begins with, in characters. */
  private ownWhole(model: string, owner: string, chain: Uint32Array, text: string | undefined): number {
    let most = 0;
    if (text === undefined) return 0;
    for (const { owner: o, whole } of this.byModel.get(model)?.list ?? []) {
      if (
        o === owner &&
        whole &&
        whole.chars > most &&
        whole.chars <= text.length &&
        hashTo(text, chain, whole.chars) === whole.hash
      )
        most = whole.chars;
    }
    return most;
  }

  /** What a slot is believed to hold of `chain`, trusted or not: of any prompt, or of `owner`'s alone. */
  private believed(model: string, chain: Uint32Array, owner?: string): number {
    let most = 0;
    for (const s of this.byModel.get(model)?.list ?? [])
      if (owner === undefined || s.owner === owner) most = Math.max(most, sharedBlocks(s.chain, chain));
    return most * BLOCK_CHARS;
  }
}

function oldest(list: readonly Slot[]): number {
  let at = 0;
  for (let i = 1; i < list.length; i++) if (list[i]!.at < list[at]!.at) at = i;
  return at;
}
