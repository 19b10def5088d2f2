/**
 * What the user chose for a kind of work, pure: the model configured for it
 * (`model.routing.overrides`, an agent's over them; `model.default` for work whose kind was not
 * named), the model preferred for it (prefer_model), and the models made for its task
 * (create_model's task, `model.routing.madeFor`). A choice outranks the profile rule — a general
 * model chosen for code gets code work — but never what the model cannot do (routing-rules.ts
 * unusableBecause: no text, no vision for images, cloud off, memory, window).
 */
import { findModel } from '../models/model-db.js';
import type { ProfileName } from '../config/profiles.js';
import { notCandidateBecause, unusableBecause } from './routing-rules.js';
import { type RouteCandidate, type RankRequest, type RoutingSettings } from './routing-shapes.js';

/** One model the user chose for the work. */
export interface Choice {
  model: string;
  /** Whose choice it is, for the reason when it is passed over: "the model configured for code work". */
  whose: string;
  /** What it is, for the reason when it is used: "is the model configured for code work". */
  is: string;
  /** The host it was made on (create_model): only a model of that name there (or untagged) is the choice. */
  host?: string;
}

export type ChoiceSettings = Pick<RoutingSettings, 'overrides' | 'preferred' | 'madeFor' | 'defaultModel'>;
export type ChoiceRequest = Pick<RankRequest, 'task' | 'profile' | 'images' | 'named'>;

/** The models the user chose for `asked` work, in the order they go first: configured, preferred, made for the task. */
export function choicesFor(asked: ProfileName, req: ChoiceRequest, settings: ChoiceSettings): Choice[] {
  const named = req.named ?? Boolean(req.task || req.profile || req.images);
  const choices: Choice[] = [];
  const configured = settings.overrides[asked] ?? (named ? undefined : settings.defaultModel);
  if (configured)
    choices.push({
      model: configured,
      whose: `the model configured for ${asked} work`,
      is: `is the model configured for ${asked} work`,
    });
  const preferred = settings.preferred?.[asked];
  if (preferred)
    choices.push({
      model: preferred,
      whose: `the model you preferred for ${asked} work`,
      is: `is the model you preferred for ${asked} work`,
    });
  for (const made of settings.madeFor ?? []) {
    if (made.task !== req.task) continue;
    choices.push({
      model: made.model,
      whose: `the model made for ${made.task} work`,
      is: `was made for ${made.task} work`,
      ...(made.host !== undefined && { host: made.host }),
    });
  }
  return choices;
}

/**
 * The installed models a choice may name: every host's, or for a model made on a host, that host's (and
 * untagged ones).
 */
export function installedFor<T extends RouteCandidate>(choice: Choice, installed: readonly T[]): readonly T[] {
  return choice.host === undefined
    ? installed
    : installed.filter((m) => m.host === undefined || m.host === choice.host);
}

/** The choice `m` is for `asked` work, or undefined when the user did not choose it for that work. */
export function choiceOf(
  m: RouteCandidate,
  asked: ProfileName,
  req: ChoiceRequest,
  settings: ChoiceSettings,
): Choice | undefined {
  return choicesFor(asked, req, settings).find(
    (c) => installedFor(c, [m]).length > 0 && findModel([m], c.model) !== undefined,
  );
}

/**
 * Why an installed model is no candidate for this work whatever its size, or undefined when the
 * router would rank it: a model the user chose for the work only for what it cannot do
 * (unusableBecause, its window left to the caller), any other by the router's rule (notCandidateBecause).
 */
export function whyNoCandidate(
  m: RouteCandidate,
  asked: ProfileName,
  req: ChoiceRequest & Pick<RankRequest, 'readsInputs'>,
  settings: ChoiceSettings & Pick<RoutingSettings, 'allowCloud'>,
): string | undefined {
  if (choiceOf(m, asked, req, settings))
    return unusableBecause(m, asked, { ...(req.images !== undefined && { images: req.images }) }, settings);
  return notCandidateBecause(m, asked, req, settings);
}
