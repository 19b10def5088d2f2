/**
 * The shapes the router works on (routing-rules.ts, router.ts): an installed model as a candidate,
 * what the work asks, what routing learned and the user's routing settings, and the ranked
 * selection it answers.
 */
import type { EvidenceBook } from './learning-evidence.js';
import type { ProfileName, TaskType } from '../config/profiles.js';

/** An installed model with what the router needs to know about it. */
export interface RouteCandidate {
  name: string;
  sizeBytes: number;
  family: string;
  parameterSize: string;
  capabilities: readonly string[];
  profiles: readonly ProfileName[];
  loaded: boolean;
  fits: boolean;
  fitsNow: boolean;
  requiredBytes: number;
  contextWindow: number;
  /** An Ollama cloud model (runs on ollama.com). */
  cloud?: boolean;
  /** The Ollama host it is installed on, when there are several; the same model on two hosts is two candidates. */
  host?: string;
}

export interface RankRequest {
  task?: TaskType;
  profile?: ProfileName;
  /**
   * Whether the caller named the kind of work (a task, a profile, images); unset, a task or profile given
   * counts as named. model.default serves work not named.
   */
  named?: boolean;
  /** The work includes images: only vision models can take it. */
  images?: boolean;
  /** Prompt plus answer, in tokens: models with a smaller context window are left out. */
  contextTokens?: number;
  /** low prefers smaller, faster models; high prefers stronger ones. */
  complexity?: 'low' | 'medium' | 'high';
  /** Measured output tokens per second by model: breaks ties for fast work. */
  speeds?: ReadonlyMap<string, number>;
  /** Estimated load time (ms) by model, for models not loaded: see RoutingSettings.maxColdLoadMs. */
  coldLoadMs?: ReadonlyMap<string, number>;
  /**
   * The work reads inputs given by path (files, a diff, a log): when no model of its profile can
   * take it, any text model that fits does, last — code work included (reading a log for its
   * errors is reading). A prompt alone keeps code work with code models.
   */
  readsInputs?: boolean;
}

/** What routing learned from earlier answers, for the router's learned step (router-learning.ts). */
export interface LearningInput {
  /** The evidence of every model, host and kind of work (outcomes.ts). */
  book: EvidenceBook;
  /** Random numbers in [0, 1) for exploration (a seeded source in tests). */
  rng: () => number;
  /** The answer's expected length in tokens (maxTokens). */
  outputTokens?: number;
}

export interface RoutingSettings {
  defaultModel?: string;
  defaultProfile: ProfileName;
  overrides: Partial<Record<ProfileName, string>>;
  /** Models the user chose for a kind of work (prefer_model); after overrides, before the rest. */
  preferred?: Partial<Record<ProfileName, string>>;
  /**
   * Models made for a kind of work (create_model's task, model.routing.madeFor): after preferences, before
   * the tables and learning.
   */
  madeFor?: readonly MadeForModel[];
  /** Cloud models may be chosen (routing.allowCloud; off by default). */
  allowCloud?: boolean;
  /**
   * A model whose load is estimated to take longer (ms) goes after the suitable models already loaded
   * (routing.maxColdLoadMs).
   */
  maxColdLoadMs?: number;
  /** Learning on (routing.learning): what happened to earlier answers reorders the candidates (router-learning.ts). */
  learning?: LearningInput;
}

/** A model made for a kind of work: by create_model (on `host`), or named so in settings (any host). */
export interface MadeForModel {
  model: string;
  task: TaskType;
  host?: string;
}

export interface RankedModel {
  model: string;
  why: string;
  /** The host of the candidate, when the candidates came from several. */
  host?: string;
  /** The user chose it (configured, preferred or made it for the work): served as chosen, never traded for time. */
  chosen?: true;
}

export interface Selection {
  model: string;
  profile: ProfileName;
  reason: string;
  /** Every usable candidate, best first: the fallbacks. */
  ranked: RankedModel[];
  /** The configured or preferred model for this work, when it was passed over, and why. */
  skipped?: RankedModel[];
}
