/**
 * What compare decides on its own: which models to compare when none are named, and how to say
 * what happened when it ran.
 *
 * Default candidates, from the router's ranking (best first):
 * - distinct weights: names sharing a digest (`llama3.1:8b` and a copy under `someuser/`, or
 *   `llama3.1:latest` beside `llama3.1:8b`) count once, under the official library name when one
 *   has it, else the best-ranked name;
 * - official library models first (registry.ollama.ai/library): a model from another namespace
 *   or registry — a stranger's upload — only when fewer than two library models can take the work;
 * - diverse: another family before another line of a family already chosen, and another line
 *   before another size or quantization of a line already chosen.
 */
import { modelKey } from '../models/catalog.js';
import type { SplitReason } from './compare-parts.js';

const DEFAULT_CANDIDATES = 3;
const OFFICIAL = 'registry.ollama.ai/library/';

/**
 * An official Ollama library model ("llama3.1:8b"), not another namespace's or registry's
 * ("someuser/llama3.1:8b", "hf.co/…").
 */
const isOfficial = (name: string): boolean => modelKey(name).startsWith(OFFICIAL);

/** The model's line: "llama3.1:8b" and "someuser/llama3.1:70b" are both "llama3.1". */
const lineOf = (name: string): string => modelKey(name).split('/').pop()!.split(':')[0]!;

export interface CandidateFacts {
  name: string;
  family: string;
  /** The weights' digest; when unknown the name stands for its own weights. */
  digest?: string;
}

/** The default models to compare, from the router's ranking (best first): see the file's comment. */
export function defaultCandidates(
  ranked: readonly string[],
  facts: readonly CandidateFacts[],
  count = DEFAULT_CANDIDATES,
): string[] {
  const byName = new Map(facts.map((f) => [f.name, f]));
  const weights = (name: string) => byName.get(name)?.digest || `name:${name}`;
  // one name per set of weights, at the place of its best-ranked name
  const seen = new Map<string, string>();
  const order: string[] = [];
  for (const name of ranked) {
    const w = weights(name);
    const kept = seen.get(w);
    if (kept === undefined) {
      seen.set(w, name);
      order.push(name);
    } else if (!isOfficial(kept) && isOfficial(name)) {
      seen.set(w, name);
      order[order.indexOf(kept)] = name;
    }
  }
  const family = (name: string) => byName.get(name)?.family || lineOf(name);
  const chosen: string[] = [];
  const take = (pool: readonly string[], upTo: number) => {
    const passes: Array<(n: string) => boolean> = [
      (n) => !chosen.some((c) => family(c) === family(n)),
      (n) => !chosen.some((c) => lineOf(c) === lineOf(n)),
      () => true,
    ];
    for (const pass of passes)
      for (const n of pool) if (chosen.length < upTo && !chosen.includes(n) && pass(n)) chosen.push(n);
  };
  take(order.filter(isOfficial), count);
  // another namespace's upload only to make a comparison at all
  take(
    order.filter((n) => !isOfficial(n)),
    Math.min(count, 2),
  );
  return chosen;
}

/** How each model tried fared, for the summary. */
export interface RunFacts {
  /** Every model, in result order. */
  models: readonly string[];
  /** The ones that answered. */
  answered: ReadonlySet<string>;
  /** The groups planned (models that could be tried), and why each group ended. */
  groups: readonly string[][];
  splits: readonly SplitReason[];
  /** The models that loaded and were asked to generate (they ran, whether or not they answered). */
  ran: ReadonlySet<string>;
  /**
   * How many models the host may hold loaded, and how many that must stay (pinned, busy) were, for the reason
   * a group ended on the count.
   */
  maxLoadedModels: number;
  held?: number;
}

const listed = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)!}`;

/**
 * What happened, as it happened: who answered and who failed; then, only when two or more models
 * ran, whether they ran side by side, one at a time or in groups — and the reason a group ended
 * (memory, or the host's limit on loaded models), never a reason that was not the cause.
 */
export function describeRun(f: RunFacts): string {
  const answered = f.models.filter((m) => f.answered.has(m));
  const failed = f.models.filter((m) => !f.answered.has(m));
  const failures =
    failed.length === 1
      ? `${failed[0]} failed (the reason is below)`
      : `${listed(failed)} failed (the reasons are below)`;
  const outcome =
    answered.length === 0
      ? `No model answered: ${failures}.`
      : answered.length === 1
        ? `Only ${answered[0]} answered${failed.length ? `; ${failures}` : ''}.`
        : failed.length
          ? `${answered.length} of ${f.models.length} models answered; ${failures}.`
          : `All ${answered.length} models answered.`;
  // the planned groups in which something ran, and why each of them did not run with the one before
  const kept = f.groups.map((g, i) => ({ i, g: g.filter((m) => f.ran.has(m)) })).filter((x) => x.g.length > 0);
  const groups = kept.map((x) => x.g);
  const ran = groups.flat();
  if (ran.length < 2) return outcome;
  const splits = new Set(kept.slice(1).flatMap((x, k) => f.splits.slice(kept[k]!.i, x.i)));
  const reasons = [...splits].map((s) =>
    s === 'memory'
      ? 'they do not all fit in memory together'
      : `this Ollama host holds at most ${f.maxLoadedModels} ` +
        `model${f.maxLoadedModels === 1 ? '' : 's'} loaded at once (ollama.maxLoadedModels, ` +
        `OLLAMA_MAX_LOADED_MODELS)${f.held ? ` and ${f.held} that must stay ${f.held === 1 ? 'is' : 'are'} loaded` : ''}`,
  );
  const because = reasons.length ? ` because ${reasons.join(' and ')}` : '';
  const how =
    groups.length === 1
      ? `${listed(ran)} ran side by side (they fit in memory together).`
      : groups.every((g) => g.length === 1)
        ? `${listed(ran)} ran one at a time${because}.`
        : `They ran in groups${because}: ${groups.map((g) => g.join(' + ')).join(', then ')}.`;
  return `${outcome} ${how}`;
}
