/**
 * Whether a model may be recorded as the preferred one for a kind of work (prefer_model), by what
 * routing holds a preferred model to (routing-rules.ts `unusableBecause`): the user's choice
 * outranks the profile rule (a general model may be preferred for code), so only a model the
 * router would pass over every time — it writes no text, cannot see images for vision work, runs
 * on ollama.com while cloud models are off, does not fit — is refused at once, saying what the
 * model can do and which installed models can do the work (by the router's own rule, `canTake`).
 */
import { findModel, similarModels } from '../models/model-db.js';
import type { TaskType } from '../config/profiles.js';
import { quoted, shortened } from '../util/shorten.js';
import { canTake, selectModel, unusableBecause } from './router.js';
import { ROUTING_PROFILES, TASK_PROFILE } from './routing-profiles.js';
import { type RouteCandidate } from './routing-shapes.js';

export type PreferenceVerdict<T extends RouteCandidate> =
  { ok: true; model: T } | { ok: false; installed: boolean; message: string; alternatives: string[] };

const MAX_NAMED = 5;

/** Installed models that can take the work, in the router's order (best first). */
export function modelsFor(task: TaskType, installed: readonly RouteCandidate[], allowCloud = false): string[] {
  const profile = TASK_PROFILE[task];
  const images = task === 'vision';
  const ranked =
    selectModel({ task }, installed, { defaultProfile: 'general', overrides: {}, allowCloud })?.ranked ?? [];
  return ranked
    .map((r) => findModel(installed, r.model)!)
    .filter((m) => canTake(m, profile, images))
    .map((m) => m.name);
}

function instead(task: TaskType, alternatives: string[]): string {
  if (alternatives.length)
    return (
      ` Installed models that can do ${task} work: ` +
      `${alternatives.slice(0, MAX_NAMED).join(', ')}${alternatives.length > MAX_NAMED ? ', …' : ''}.`
    );
  const profile = TASK_PROFILE[task];
  return (
    ` No installed model can do ${task} work yet — pull one made for ${profile} work, such as ` +
    `${ROUTING_PROFILES[profile].preferredFamilies[0]}.`
  );
}

export function checkPreference<T extends RouteCandidate>(
  wanted: string,
  task: TaskType,
  installed: readonly T[],
  allowCloud = false,
): PreferenceVerdict<T> {
  const alternatives = modelsFor(task, installed, allowCloud);
  const m = findModel(installed, wanted);
  if (!m) {
    const similar = similarModels(installed, wanted).map((s) => s.name);
    const named = similar.length
      ? ` Installed under other names: ${similar.join(', ')}.`
      : ` Pull it with \`ollama pull ${shortened(wanted)}\` first, or prefer an installed model.`;
    return {
      ok: false,
      installed: false,
      message: `${quoted(wanted)} is not installed.${named}${instead(task, alternatives)}`,
      alternatives,
    };
  }
  const profile = TASK_PROFILE[task];
  const why = unusableBecause(m, profile, { images: task === 'vision' }, { allowCloud });
  if (!why) return { ok: true, model: m };
  return {
    ok: false,
    installed: true,
    message:
      `${m.name} cannot be preferred for ${task} work: it ${why}, so it would never be chosen for ` +
      `it.${instead(task, alternatives)}`,
    alternatives,
  };
}
