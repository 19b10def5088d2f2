/**
 * Choosing a model when none is named (seed 001 §4), as a pure function over plain data:
 * a configured override first, then the model the user preferred, then a model made for the
 * task (create_model's task, model.routing.madeFor), then an already-loaded model that suits the task, then the best
 * suitable model that fits now, then one that fits after unloading, then the fallback chain
 * (general models, larger before smaller — 8b → 7b → … — with phi last). By the router's own rule
 * code and debugging go only to code models — unless the work reads inputs given by path and no
 * code model can take it: then any text model that fits, last; images only to vision models;
 * embedding models never generate. What the user chose for the work is not held to that rule, only
 * to what it cannot do (no text, no vision for images, cloud off, memory, window): such a choice
 * is passed over, and the reason says which and why.
 */
import { baseName, findModel, isModel, parameterCount } from '../models/model-db.js';
import type { ProfileName } from '../config/profiles.js';

import { learnedOrder } from './router-learning.js';
import { choicesFor, installedFor } from './route-choices.js';
import { anyTextModelMay, isCodeSpecialist, suits, unusableBecause } from './routing-rules.js';
import { ROUTING_PROFILES, TASK_PROFILE } from './routing-profiles.js';
import {
  type RankedModel,
  type RouteCandidate,
  type RankRequest,
  type RoutingSettings,
  type Selection,
} from './routing-shapes.js';
import { byCodeUnit } from '../util/locale-free.js';

export * from './routing-rules.js';

const params = (m: RouteCandidate) => parameterCount(m.parameterSize) ?? m.sizeBytes / 0.6;
const isPhi = (m: RouteCandidate) => m.family === 'phi' || baseName(m.name).startsWith('phi');
const preferred = (m: RouteCandidate, profile: ProfileName) =>
  ROUTING_PROFILES[profile].preferredFamilies.some((f) => baseName(m.name).startsWith(f) || m.family === f);

/** Where a model stands on its host: loaded, fits now, fits after unloading. */
const tier = (m: Pick<RouteCandidate, 'loaded' | 'fitsNow'>) => (m.loaded ? 0 : m.fitsNow ? 1 : 2);

/**
 * The copies of one model on the hosts, in the order a request goes to them: the loaded first, then
 * one that fits now, then one that fits after unloading; of copies alike, the hosts' order. A named
 * model (fleet/copies.ts) and a model the user chose (selectModel) alike: a host loads no copy of
 * it while another holds it loaded, and the survivor of a copy that failed is a loaded one.
 */
export function copiesInOrder<T extends Pick<RouteCandidate, 'loaded' | 'fitsNow'>>(copies: readonly T[]): T[] {
  return [...copies].sort((a, b) => tier(a) - tier(b));
}

/**
 * Best first: loaded, fits now, fits after unloading; then measured speed for fast work; then,
 * when other models must be unloaded for it, the more versatile one (it serves more kinds of
 * work, so the next requests are less likely to cost another swap); then size (small first for fast
 * work or low complexity, strong first otherwise), phi last; then the profile's preferred families.
 */
function rank(models: RouteCandidate[], profile: ProfileName, req: RankRequest): RouteCandidate[] {
  const smallFirst = profile === 'fast' || req.complexity === 'low';
  const speed = (m: RouteCandidate) => (profile === 'fast' ? (req.speeds?.get(m.name) ?? 0) : 0);
  return [...models].sort(
    (a, b) =>
      tier(a) - tier(b) ||
      speed(b) - speed(a) ||
      (tier(a) === 2 ? b.profiles.length - a.profiles.length : 0) ||
      Number(isPhi(a)) - Number(isPhi(b)) ||
      (smallFirst ? params(a) - params(b) : params(b) - params(a)) ||
      Number(preferred(b, profile)) - Number(preferred(a, profile)) ||
      byCodeUnit(a.name, b.name),
  );
}

function explain(m: RouteCandidate, profile: ProfileName, asked: ProfileName): string {
  const state = m.cloud
    ? 'runs on ollama.com'
    : m.loaded
      ? 'is already loaded'
      : m.fitsNow
        ? 'fits now'
        : 'fits after unloading idle models';
  const fallback = profile === asked ? '' : ` (no ${asked} model could be used; ${profile} fallback)`;
  return `${m.name} serves ${profile} work and ${state}${fallback}`;
}

export function selectModel(
  req: RankRequest,
  installed: readonly RouteCandidate[],
  settings: RoutingSettings,
): Selection | undefined {
  const asked: ProfileName = req.images
    ? 'vision'
    : (req.profile ?? (req.task ? TASK_PROFILE[req.task] : settings.defaultProfile));
  const usable = installed.filter(
    (m) => m.fits && m.contextWindow >= (req.contextTokens ?? 0) && (!m.cloud || settings.allowCloud),
  );
  const ranked: Array<{ m: RouteCandidate; why: string; chosen?: true }> = [];
  const add = (m: RouteCandidate, why: string, chosen?: true) => {
    if (!ranked.some((r) => r.m.name === m.name && r.m.host === m.host))
      ranked.push({ m, why, ...(chosen && { chosen }) });
  };

  const skipped: RankedModel[] = [];
  // What the user chose for this work comes first, held only to what it cannot do (route-choices.ts):
  // a general model chosen for code gets code work; an embedding model, or one blind to the images given, is
  // passed over, saying why.
  for (const choice of choicesFor(asked, req, settings)) {
    const within = installedFor(choice, installed);
    const m = findModel(within, choice.model);
    // each copy of it that can take the work, the loaded first (copiesInOrder): the user's choice on any host
    const copies = m ? copiesInOrder(within.filter((c) => isModel(c.name, m.name))) : [];
    const taken = copies.filter((c) => !unusableBecause(c, asked, req, settings));
    for (const c of taken) add(c, `${c.name} ${choice.is}${c.loaded ? ' and is already loaded' : ''}`, true);
    if (taken.length === 0) {
      const why = m ? unusableBecause(m, asked, req, settings) : 'is not installed anymore';
      skipped.push({
        model: m?.name ?? choice.model,
        why: `${choice.whose}, ${m?.name ?? choice.model}, was passed over: it ${why}`,
      });
    }
  }
  const fixed = ranked.length; // what the user chose stays first, whatever was learned

  // Fast work wants the quickest answer: a loaded model that can do general work answers at once,
  // sooner than a small model that must be loaded first.
  if (asked === 'fast' && !req.images) {
    const loadedFast = usable.filter((c) => c.loaded && suits(c, 'fast'));
    // (not a thinking model: it would reason at length before answering)
    const warm = loadedFast.length
      ? []
      : rank(
          usable.filter((c) => c.loaded && suits(c, 'general') && !c.capabilities.includes('thinking')),
          'fast',
          req,
        );
    for (const m of warm)
      add(
        m,
        `${m.name} is already loaded and answers general work at once, sooner than loading a small model for fast work`,
      );
  }
  for (let profile: ProfileName | undefined = asked; profile; profile = ROUTING_PROFILES[profile].fallbackProfile) {
    const suited = usable.filter((c) => suits(c, profile!, req.images));
    if (profile === 'code') {
      // Code goes to code specialists, loaded or not; a general model only when none can take it.
      for (const m of rank(suited.filter(isCodeSpecialist), profile, req)) add(m, explain(m, profile, asked));
      for (const m of rank(
        suited.filter((c) => !isCodeSpecialist(c)),
        profile,
        req,
      ))
        add(m, `${explain(m, profile, asked)}; no code specialist is installed that fits`);
      continue;
    }
    for (const m of rank(suited, profile, req)) add(m, explain(m, profile, asked));
  }
  // The last resort for plain text work, and for any work that reads inputs given by path: any generating
  // model, larger first, phi last.
  if (anyTextModelMay(asked, req)) {
    const reading = asked === 'code' ? '; the work reads inputs given by path' : '';
    for (const m of rank(
      usable.filter((c) => c.capabilities.includes('completion')),
      'general',
      req,
    )) {
      add(m, `${m.name} is the best remaining text model that fits (no ${asked} model could be used${reading})`);
    }
  }

  const learned = settings.learning ? learnedOrder(ranked, fixed, asked, req, settings.learning) : ranked;
  const order = preferWarm(learned, req.coldLoadMs, settings.maxColdLoadMs);
  const first = order[0];
  if (!first) return undefined;
  // Whichever candidate ends up serving, its reason says what was passed over.
  const passed = skipped.map((s) => `; ${s.why}`).join('');
  const ranking = order.map((r): RankedModel => ({
    model: r.m.name,
    why: `${r.why}${passed}`,
    ...(r.m.host !== undefined && { host: r.m.host }),
    ...(r.chosen && { chosen: true }),
  }));
  const selection: Selection = { model: first.m.name, profile: asked, reason: `${ranking[0]!.why}.`, ranked: ranking };
  if (skipped.length) selection.skipped = skipped;
  return selection;
}

/**
 * With a cold-load limit: candidates not loaded whose load is estimated to take longer than it go
 * after the last suitable loaded one (otherwise the order stands), and the loaded model that now
 * comes first says why.
 */
function preferWarm<T extends { m: RouteCandidate; why: string }>(
  ranked: T[],
  estimates: ReadonlyMap<string, number> | undefined,
  limitMs: number | undefined,
): T[] {
  if (limitMs === undefined || !estimates) return ranked;
  const slow = (r: T) => !r.m.loaded && (estimates.get(r.m.name) ?? 0) > limitMs;
  const lastWarm = ranked.map((r) => r.m.loaded).lastIndexOf(true);
  if (lastWarm < 0 || !slow(ranked[0]!)) return ranked;
  const head = ranked.slice(0, lastWarm + 1);
  const order = [...head.filter((r) => !slow(r)), ...head.filter(slow), ...ranked.slice(lastWarm + 1)];
  const passed = ranked[0]!;
  const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
  order[0] = {
    ...order[0]!,
    why:
      `${order[0]!.why}; preferred over ${passed.m.name}, whose load is estimated at ` +
      `~${secs(estimates.get(passed.m.name)!)}, more than model.routing.maxColdLoadMs ` +
      `(${secs(limitMs)})`,
  };
  return order;
}

/** The model's line: "qwen2.5:32b" -> "qwen2.5"; quantization variants share it. */
const line = (name: string) => baseName(name).split(':')[0]!;

/**
 * When a model cannot be loaded: the best smaller installed model that can — the same line in a
 * smaller size or quantization first, then a model serving the same work down the 8b → 7b → phi
 * chain. `capacityBytes` is the most that could be freed for it.
 */
export function alternativeFor(
  wanted: RouteCandidate,
  installed: readonly RouteCandidate[],
  capacityBytes: number,
): RankedModel | undefined {
  const fitting = installed.filter(
    (m) =>
      m.name !== wanted.name && m.capabilities.includes('completion') && m.fits && m.requiredBytes <= capacityBytes,
  );
  const bySizeDesc = (a: RouteCandidate, b: RouteCandidate) =>
    Number(isPhi(a)) - Number(isPhi(b)) || b.requiredBytes - a.requiredBytes;
  const sameLine = fitting.filter((m) => line(m.name) === line(wanted.name)).sort(bySizeDesc)[0];
  if (sameLine) return { model: sameLine.name, why: `${sameLine.name} is a smaller ${line(wanted.name)} that fits` };
  const needs = wanted.capabilities.includes('vision') ? ['vision'] : [];
  const overlap = (m: RouteCandidate) => m.profiles.filter((p) => wanted.profiles.includes(p)).length;
  const primary = (m: RouteCandidate) =>
    Number(wanted.profiles[0] !== undefined && m.profiles.includes(wanted.profiles[0]));
  const shared = fitting
    .filter((m) => needs.every((c) => m.capabilities.includes(c)) && overlap(m) > 0)
    .sort((a, b) => primary(b) - primary(a) || overlap(b) - overlap(a) || bySizeDesc(a, b))[0];
  if (shared)
    return {
      model: shared.name,
      why:
        `${shared.name} serves the same work ` +
        `(${shared.profiles.filter((p) => wanted.profiles.includes(p)).join(', ')}) and fits`,
    };
  return undefined;
}
