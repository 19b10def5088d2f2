/**
 * A loaded model keeps its window (issue 82, Deliver 2). Ollama reloads a model's runner when a
 * request asks for another num_ctx than it was loaded with (server/sched.go needsReload), so a
 * copy (host + model) loaded with a window is planned with that window: work that fits it is sent
 * with it; work that does not is split to it when it splits (work over inputs read by reference);
 * else another copy whose window holds it serves it (one loaded with a window that holds it, or
 * one not loaded); a reload only when nothing else serves — and then it is said why. A user's
 * explicit window (options.contextSize, the calling agent's) outranks the loaded one: it is the
 * window kept. Pure: plain data in, plain data out; the plan (route/offload-plan.ts, route
 * candidates through copies.ts modelsOf) decides with it once, and the run carries that out.
 */

/** A copy's windows: the largest its host can give it now (fleet/windows.ts), and the one it is loaded with. */
export interface CopyWindows {
  /** The usable window: trained, bound by the host's memory, or fixed by the engine. */
  contextWindow: number;
  /** The window the engine runs it with now (/api/ps context_length), when it is loaded with one. */
  loadedWindow?: number;
  /**
   * What reloading it would take (ms), set only when nothing uses it: no request of this server's or
   * another client's running or waiting on it. Unset, it is never reloaded for a cheaper split.
   */
  reloadMs?: number;
}

/** What the work needs of a window: whether it fits whole, and (for work that splits) whether it splits to it. */
export interface WindowWork {
  fits(window: number): boolean;
  splits?(window: number): boolean;
  /** The work's estimated seconds at a window (whole or split to it), the load left out; unknown: undefined. */
  seconds?(window: number): number | undefined;
}

/** The window a copy serves the work at: whole or split, and the window it was loaded with when that is a reload. */
export interface WindowChoice {
  window: number;
  split: boolean;
  /**
   * Set when the copy is reloaded, from this window: its loaded window serves neither whole nor split, or
   * (`paid`) split to it the work would take longer than the reload and the work at the wider window.
   */
  reloadFrom?: number;
  /** A reload chosen by its cost: the seconds split to the loaded window, and reloaded (the load with the work). */
  paid?: ReloadPaid;
}

/** Why an idle copy is reloaded though the work splits to its window: the two estimates, in seconds. */
export interface ReloadPaid {
  keptSeconds: number;
  reloadSeconds: number;
}

/**
 * The window `copy` serves `work` at: the window kept — the user's `explicit` one, else the one it
 * is loaded with — whole, else split to it; else, above it, its usable window (a reload when it is
 * loaded); undefined when even that serves neither.
 */
export function windowFor(copy: CopyWindows, work: WindowWork, explicit?: number): WindowChoice | undefined {
  // the user's window within what the host can give; the loaded one as it is (it runs, whatever memory says now)
  const kept = explicit !== undefined ? Math.min(explicit, copy.contextWindow) : copy.loadedWindow;
  const at = (window: number): WindowChoice | undefined =>
    work.fits(window) ? { window, split: false } : work.splits?.(window) ? { window, split: true } : undefined;
  if (kept !== undefined && kept > 0) {
    const keptChoice = at(kept);
    const paid = keptChoice?.split && explicit === undefined ? reloadPays(copy, work, kept) : undefined;
    if (paid) return { ...paid.choice, reloadFrom: kept, paid: paid.paid };
    if (keptChoice) return keptChoice;
    if (kept >= copy.contextWindow) return undefined; // no wider window to go to
  }
  const wider = at(copy.contextWindow);
  if (!wider) return undefined;
  const reloaded = copy.loadedWindow !== undefined && copy.loadedWindow !== wider.window;
  return reloaded ? { ...wider, reloadFrom: copy.loadedWindow! } : wider;
}

/**
 * Whether reloading `copy` at its usable window serves `work` sooner than splitting it to the `kept` window it is
 * loaded with (issue 82: "a reload only when nothing else serves" — a split that takes longer than the reload
 * and the work after it does not serve): only a copy nothing uses (`reloadMs` set), and only when both are
 * estimated. Splitting to a small window costs a request per part, each writing its answer, and combining
 * rounds; a reload of an idle model costs its load once.
 */
function reloadPays(
  copy: CopyWindows,
  work: WindowWork,
  kept: number,
): { choice: WindowChoice; paid: ReloadPaid } | undefined {
  if (copy.reloadMs === undefined || !work.seconds || copy.contextWindow <= kept) return undefined;
  const window = copy.contextWindow;
  const whole = work.fits(window);
  if (!whole && !work.splits?.(window)) return undefined;
  const keptSeconds = work.seconds(kept);
  const wider = work.seconds(window);
  if (keptSeconds === undefined || wider === undefined) return undefined;
  const reloadSeconds = copy.reloadMs / 1000 + wider;
  return reloadSeconds < keptSeconds
    ? { choice: { window, split: !whole }, paid: { keptSeconds, reloadSeconds } }
    : undefined;
}

/**
 * The copies with the window each serves the work at (windowFor) as their window: what work over inputs is
 * planned against (route/offload-plan.ts) — whole where that window holds it, split to it otherwise; a copy
 * whose loaded window serves neither keeps its usable window, marked with the one it would be reloaded from.
 */
export function keptWindows<T extends CopyWindows>(
  copies: readonly T[],
  work: (copy: T) => WindowWork,
  explicit?: number,
): Array<T & { reloadFrom?: number; paid?: ReloadPaid }> {
  return copies.map((c) => {
    const choice = windowFor(c, work(c), explicit);
    if (!choice) return c;
    return {
      ...c,
      contextWindow: choice.window,
      ...(choice.reloadFrom !== undefined && { reloadFrom: choice.reloadFrom }),
      ...(choice.paid && { paid: choice.paid }),
    };
  });
}

/**
 * A copy as the route weighs it: whether it is loaded, fits now, and the window it would be reloaded from
 * (`loadedWindow`: loaded with it, or being loaded with it by a load under way).
 */
interface Served extends CopyWindows {
  name: string;
  loaded: boolean;
  fitsNow: boolean;
  reloadFrom?: number;
}

/**
 * The copies as a request needing `needTokens` (not split: a whole prompt, or a part of a split job) finds
 * them: a copy loaded with a window too small for it would be reloaded — from under whoever uses it — so
 * it is left out while another copy of the model serves it (loaded with a window that holds it, busy or
 * not, or one to load); with none, it is weighed as a model to load after an unload — its own reload —
 * after any other model that serves (generation/router.ts copiesInOrder, the ranking's tiers).
 */
export function servedAt<T extends Served>(
  copies: readonly T[],
  needTokens: number,
  explicit?: number,
): Array<T & { reloadFrom?: number }> {
  const weighed = copies.map((c): T & { reloadFrom?: number } => {
    if (c.loadedWindow === undefined) return c;
    const choice = windowFor(c, { fits: (w) => w >= needTokens }, explicit);
    return choice?.reloadFrom === undefined
      ? c
      : { ...c, loaded: false, fitsNow: false, reloadFrom: choice.reloadFrom };
  });
  const serves = (c: T & { reloadFrom?: number }) => c.reloadFrom === undefined && c.contextWindow >= needTokens;
  return weighed.filter((c) => c.reloadFrom === undefined || !weighed.some((o) => o.name === c.name && serves(o)));
}

/**
 * Whether a load for `copy` keeps the window it finds the model loaded with (LoadRequest.keepWindow: refused
 * rather than reloaded): the route did not weigh its reload (servedAt marks one it did: reloadFrom) and another
 * copy of the model serves the request. A copy seen unloaded, or loaded with a window that held the request, and
 * found loaded with a smaller one when its load reads the engine afresh (another request's load meanwhile), is
 * not reloaded from under whoever loaded it: the request goes to the next candidate.
 */
export function keepsFoundWindow(
  models: ReadonlyArray<{ name: string; host?: string; reloadFrom?: number }>,
  copy: { model: string; host?: string | undefined },
): boolean {
  const same = (m: { name: string }) => m.name === copy.model;
  if (models.find((m) => same(m) && m.host === copy.host)?.reloadFrom !== undefined) return false;
  return models.some((m) => same(m) && m.host !== copy.host && m.reloadFrom === undefined);
}

/** How many tokens, in words: 16384 → "16k", 11000 → "~11k", 900 → "900". */
export function tokensInWords(n: number): string {
  if (n < 1024) return String(n);
  const k = n / 1024;
  return Number.isInteger(k) ? `${k}k` : `~${Math.round(n / 1000)}k`;
}

/**
 * Why a loaded model was reloaded with another window, in the result's words: "reloaded llama3.1:8b with
 * a 16k window (it was loaded with 8k): the prompt needs ~11k and does not split, and no other copy's
 * window holds it".
 */
export function reloadWhy(
  model: string,
  r: { from: number; to: number; needTokens: number; splits: boolean; copies: number },
): string {
  const what = r.splits
    ? `its parts need ${tokensInWords(r.needTokens)} and do not split smaller`
    : `the prompt needs ${tokensInWords(r.needTokens)} and does not split`;
  const others = r.copies > 1 ? ", and no other copy's window holds it" : '';
  return (
    `reloaded ${model} with ${article(tokensInWords(r.to))} ${tokensInWords(r.to)} window (it was loaded with ` +
    `${tokensInWords(r.from)}): ` +
    `${what}${others}`
  );
}

/**
 * Why an idle model was reloaded though the work splits to its loaded window, in the result's words: "reloaded
 * phi3:mini with a 64k window (it was loaded with 4k): split to 4k the work would take ~95 s, reloaded ~21 s
 * with the load, and nothing else was using it".
 */
export function reloadPaidWhy(model: string, r: { from: number; to: number; paid: ReloadPaid }): string {
  const s = (x: number) => `~${Math.max(1, Math.round(x))} s`;
  return (
    `reloaded ${model} with ${article(tokensInWords(r.to))} ${tokensInWords(r.to)} window (it was loaded with ` +
    `${tokensInWords(r.from)}): split to ${tokensInWords(r.from)} the work would take ${s(r.paid.keptSeconds)}, ` +
    `reloaded ${s(r.paid.reloadSeconds)} with the load, and nothing else was using it`
  );
}

/** "a" or "an" before a figure as it is read: an 8k, an 11k, an 18k, an 80k; a 16k. */
export const article = (figure: string) => (/^~?(8|11|18)/.test(figure) ? 'an' : 'a');
