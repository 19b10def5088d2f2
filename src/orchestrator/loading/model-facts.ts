/**
 * A model's facts as the loader plans with them: what the catalog (models/catalog.ts) lists of an
 * installed model — its engine's answers merged with the model database — and what the loader asks
 * of that catalog. Here, on the loading floor, because the loader reads them and the catalog, on the
 * models floor above, makes them.
 */
import type { Capability, ProfileName } from '../config/profiles.js';
import type { EngineFit } from '../engines/engine-model.js';
import type { HostError } from '../engines/host-error.js';

export interface ModelDescription {
  family: string;
  contextWindow: number;
  maxOutputTokens?: number;
  capabilities: Capability[];
  profiles: ProfileName[];
  /** The database pattern that matched, if any. */
  pattern?: string;
  /** Where the context window came from. */
  contextSource: 'ollama' | 'database' | 'default';
}

/** A parameter's value as a model's own settings give it. */
export type ParameterValue = number | boolean | string | string[];

/** A model's own settings (models/model-settings.ts reads them): the parameters and system prompt its maker gave it. */
export interface ModelSettings {
  /** By Ollama's names (num_ctx, temperature, top_p, stop…). */
  parameters: Readonly<Record<string, ParameterValue>>;
  /** The model's own system prompt. */
  system?: string;
}

/** A number the model sets for itself (num_ctx, num_predict, temperature…), when it sets one. */
export function ownNumber(own: ModelSettings | undefined, name: string): number | undefined {
  const v = own?.parameters[name];
  return typeof v === 'number' ? v : undefined;
}

/** What sizes the KV cache: see kvCacheBytes in planner.ts. */
export interface KvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

export interface CatalogModel extends ModelDescription {
  name: string;
  sizeBytes: number;
  digest: string;
  modifiedAt: string;
  parameterSize: string;
  quantization: string;
  architecture?: string;
  /** False when /api/show failed and the facts come from the database alone. */
  detailsKnown: boolean;
  licenseFirstLines?: string;
  kvShape?: KvShape;
  /** An Ollama cloud model: a stub here, run on ollama.com; it takes no memory on the host. */
  cloud?: boolean;
  /** The parameters and system prompt it carries (its Modelfile, a preset): they outrank ollm-mcp's defaults. */
  own?: ModelSettings;
  /** Its weights file ("sha256-…"), which Ollama keys its runners by: a model made from another shares its base's. */
  weights?: string;
  /** How it fits there, as an engine that plans its own memory says (EngineModel.fit), as of the list. */
  fit?: EngineFit;
  /**
   * sizeBytes is its whole memory at the window its engine runs it with, KV cache included
   * (EngineModel.sizeAtWindow).
   */
  sizeAtWindow?: boolean;
}

export interface CatalogSnapshot {
  models: CatalogModel[];
  fetchedAt: number;
  /** Set when Ollama could not be reached and this is the last good list. */
  stale?: HostError;
}

/** What the loader asks of the catalog (models/catalog.ts's Catalog): the installed models, and one by name. */
export interface ModelCatalog {
  list(options?: { refresh?: boolean; signal?: AbortSignal }): Promise<CatalogSnapshot>;
  get(name: string, options?: { refresh?: boolean; signal?: AbortSignal }): Promise<CatalogModel | undefined>;
  resolve(name: string, options?: { signal?: AbortSignal }): Promise<CatalogModel>;
}
