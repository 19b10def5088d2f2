/**
 * The router's rules, pure: which model the router's own rule gives which work (code only to code
 * models, images only to vision models, embedding and image-generation models none), what a model
 * the user chose for the work is held to instead (only what it cannot do at all), and why a model
 * cannot take the work. The shapes it works on are routing-shapes.ts; the profiles, routing-profiles.ts.
 */
import { baseName } from '../models/model-db.js';
import type { ProfileName } from '../config/profiles.js';
import type { RankRequest, RouteCandidate, RoutingSettings } from './routing-shapes.js';
import { ROUTING_PROFILES } from './routing-profiles.js';

const CODE_NAME = /cod(e|er|ing)|starcoder|codestral/;

/**
 * A model made for code (seed 001: named code/coder; seed 003: codellama, deepseek-coder,
 * starcoder…), or one described as serving code and not general work (devstral: the model
 * database reads it from the name and what the host says).
 */
export function isCodeSpecialist(
  m: Pick<RouteCandidate, 'name' | 'family'> & { profiles?: readonly ProfileName[] },
): boolean {
  if (m.profiles?.includes('code') && !m.profiles.includes('general')) return true;
  return (
    CODE_NAME.test(baseName(m.name)) ||
    ROUTING_PROFILES.code.preferredFamilies.some((f) => baseName(m.name).startsWith(f) || m.family === f)
  );
}

/** Can this model take work for `profile` at all? */
export function suits(m: RouteCandidate, profile: ProfileName, images = false): boolean {
  const spec = ROUTING_PROFILES[profile];
  if (!spec.requiredCapabilities.every((c) => m.capabilities.includes(c))) return false;
  if (images && !m.capabilities.includes('vision')) return false;
  if (profile === 'code') return m.profiles.includes('code') || CODE_NAME.test(baseName(m.name));
  return m.profiles.includes(profile);
}

/**
 * The profiles whose models the router gives work for `profile`: it, then its fallbacks (fast → general; code
 * and vision have none).
 */
export function profileChain(profile: ProfileName): ProfileName[] {
  const chain: ProfileName[] = [];
  for (let p: ProfileName | undefined = profile; p && !chain.includes(p); p = ROUTING_PROFILES[p].fallbackProfile)
    chain.push(p);
  return chain;
}

/**
 * Can this model be given work for `profile`, by the router's own rule: it suits the profile or
 * one of its fallbacks. So code goes only to code models, images only to vision models, and an
 * embedding or image-generating model takes no work at all. A model the user chose for the work
 * is not held to this rule (unusableBecause).
 */
export function canTake(m: RouteCandidate, profile: ProfileName, images = false): boolean {
  return profileChain(profile).some((p) => suits(m, p, images));
}

/**
 * Whether the router's last resort — any text model that fits — may take this work: never images; code work
 * only when it reads inputs given by path.
 */
export function anyTextModelMay(profile: ProfileName, req: Pick<RankRequest, 'images' | 'readsInputs'>): boolean {
  return profile !== 'vision' && !req.images && (profile !== 'code' || req.readsInputs === true);
}

/**
 * Why an installed model the user did not choose for this work is no candidate for it, whatever
 * the size of the work, or undefined when the router would rank it: it writes no text, is a cloud
 * model while those are off, does not fit its host's memory, or serves other work (code only to
 * code models unless the work reads inputs, images only to vision models). A chosen model is held
 * to unusableBecause instead (route-choices.ts whyNoCandidate).
 */
export function notCandidateBecause(
  m: RouteCandidate,
  profile: ProfileName,
  req: Pick<RankRequest, 'images' | 'readsInputs'>,
  settings: Pick<RoutingSettings, 'allowCloud'>,
): string | undefined {
  if (!m.capabilities.includes('completion')) return `serves ${abilities(m)}`;
  if (m.cloud && !settings.allowCloud) return 'runs on ollama.com, and cloud models are off (model.routing.allowCloud)';
  if (!m.fits) return `does not fit in its host's memory (needs ${Math.round(m.requiredBytes / 1e8) / 10} GB)`;
  if (canTake(m, profile, req.images) || anyTextModelMay(profile, req)) return undefined;
  if (req.images && !m.capabilities.includes('vision')) return `cannot see images (it serves ${abilities(m)})`;
  return (
    `does not suit ${profile} ` +
    `work${profile === 'code' ? ' (code goes only to code models)' : ''} — it serves ` +
    `${abilities(m)}`
  );
}

/** What a model can do, in a few words: "general, code and creative work", or why it takes none. */
function abilities(m: Pick<RouteCandidate, 'capabilities' | 'profiles'>): string {
  if (m.profiles.length)
    return (
      `${m.profiles.length > 1 ? `${m.profiles.slice(0, -1).join(', ')} and ${m.profiles.at(-1)}` : m.profiles[0]} ` +
      `work`
    );
  if (m.capabilities.includes('embedding')) return 'embeddings only (it writes no text)';
  if (m.capabilities.includes('image')) return 'image generation only (it writes no text)';
  return 'no text work (it reports no completion capability)';
}

/**
 * Why a model cannot do this work at all, whoever chose it — it writes no text, or images are
 * given and it cannot see — or undefined; `profile`, when given, is named in the reason.
 */
export function cannotDoBecause(
  m: Pick<RouteCandidate, 'capabilities' | 'profiles'>,
  req: Pick<RankRequest, 'images'>,
  profile?: ProfileName,
): string | undefined {
  if (!m.capabilities.includes('completion'))
    return `${profile ? `does not suit ${profile} work — it ` : ''}serves ${abilities(m)}`;
  if (req.images && !m.capabilities.includes('vision')) return `cannot see images (it serves ${abilities(m)})`;
  return undefined;
}

/**
 * Why a model the user chose for `profile` work — configured for it, preferred for it, made for
 * it (route-choices.ts), or offered to prefer_model — cannot take it now, or undefined when it
 * can. The choice outranks the profile rule (a general model chosen for code gets code work), never
 * what the model cannot do: write text, see the images given, run here (a cloud model while those
 * are off), fit its host's memory, hold the prompt and answer in its window.
 */
export function unusableBecause(
  m: RouteCandidate,
  profile: ProfileName,
  req: Pick<RankRequest, 'images' | 'contextTokens'>,
  settings: Pick<RoutingSettings, 'allowCloud'>,
): string | undefined {
  const cannot = cannotDoBecause(m, req, profile);
  if (cannot) return cannot;
  if (m.cloud && !settings.allowCloud) return 'runs on ollama.com, and cloud models are off (model.routing.allowCloud)';
  if (!m.fits) return `does not fit in this host's memory (needs ${Math.round(m.requiredBytes / 1e8) / 10} GB)`;
  if (m.contextWindow < (req.contextTokens ?? 0))
    return (
      `does not fit this request now — its context window (${m.contextWindow} tokens) is smaller ` +
      `than the prompt and answer (~${req.contextTokens} tokens)`
    );
  return undefined;
}
