/**
 * What a server asks of the ollm-mcp server of this user that plans one of its engines (it holds the
 * engine's claim: planned-elsewhere.ts), through the host interface: that server's status of the
 * engine, and the unloads and loads — pins too — its plan carries out there (issue 75, finding 8:
 * one view of one engine). The adapter is engines/ollm/planner-engine.ts; the fleet's status, the
 * smart_load job and the unload_model tool find it with `plannerOf`, never by its kind.
 */
import type { CallOptions, Engine, KeepAlive } from './engine.js';

/** A loaded model as the planner's status shows it: its memory, keep-alive, pin and requests. */
interface PlannerLoadedModel {
  name: string;
  sizeBytes: number;
  vramBytes: number;
  expiresAt: string;
  keptForever: boolean;
  contextLength?: number | undefined;
  pinned: boolean;
  requestsRunning: number;
  extraCopy?:
    { of: string; why: string; since: string; lastUsedAt: string; releasedAfterIdleSeconds: number } | undefined;
}

/** The planner's status of the engine: its show_status entry, and its budget when it is that server's ollama.host. */
export interface PlannerHostView {
  kind: 'ollama' | 'llamacpp';
  capacity: {
    kind: 'gpu' | 'cpu' | 'unknown';
    source: 'this machine' | 'settings' | 'learned' | 'unknown';
    note: string;
    ramTotalBytes?: number | undefined;
    ramAvailableBytes?: number | undefined;
    vramTotalBytes?: number | undefined;
    vramFreeBytes?: number | undefined;
    maxLoadedModels: number;
    numParallel: number;
  };
  loaded: PlannerLoadedModel[];
  requestsRunning: number;
  learnedSizes: Array<{ model: string; figure: string }>;
  router?: boolean | undefined;
  modelsMax?: number | undefined;
  models?: Array<{ name: string; status: string; sizeBytes: number; sizeSource: string }> | undefined;
  memory?: { budgetBytes: number; headroomBytes: number } | undefined;
}

/** What is unloaded: models by name, or every loaded one (pinned ones too with includePinned). */
export type UnloadAsked = { models: string[] } | { all: true; includePinned?: boolean };

/** A load asked of the planner (smart_load's): the model, how long it stays, a pin, a dry run. */
export interface PlannerLoad {
  model: string;
  keepAlive?: KeepAlive;
  pin?: boolean;
  dryRun?: boolean;
}

/** The planner's answer to an unload (its unload_model's). */
export interface PlannerUnloadAnswer {
  unloaded: string[];
  kept: Array<{ model: string; why: string }>;
  notLoaded: string[];
  unloadWaitMs?: number;
}

/** The planner's answer to a load (its smart_load's), as a loader's own would be. */
export interface PlannerLoadAnswer {
  model: string;
  action: 'already_loaded' | 'loaded' | 'would_load' | 'refused';
  /** Unloaded to make room (or, in a dry run, what would be). */
  unloaded: string[];
  requiredBytes: number;
  availableBytes: number;
  reason: string;
  keepAlive: KeepAlive;
  pinned: boolean;
  contextLength: number;
  /** Set when the model was loaded with a smaller context and is reloaded with this work's. */
  contextRaisedFrom?: number;
  loadMs?: number;
  /** How long the engine took to carry out the unloads (Ollama frees memory one model at a time). */
  unloadWaitMs?: number;
  fitsInVram?: boolean;
  /** For a refusal: what could be loaded, together with the most that could be freed. */
  obtainableBytes?: number;
}

/** What this server asks of the user's own planner of an engine, while that server plans it. */
export interface PlannedThere {
  hostView(options?: CallOptions): Promise<PlannerHostView | undefined>;
  unloadThere(target: UnloadAsked, options?: CallOptions): Promise<PlannerUnloadAnswer>;
  loadThere(req: PlannerLoad, options?: CallOptions): Promise<PlannerLoadAnswer>;
}

/** `engine`'s planner, while another server of this user plans it (through planned-elsewhere.ts); else undefined. */
export function plannerOf(engine: Engine): PlannedThere | undefined {
  const e = engine as Engine & Partial<PlannedThere>;
  const all =
    typeof e.hostView === 'function' && typeof e.unloadThere === 'function' && typeof e.loadThere === 'function';
  return all ? (e as PlannedThere) : undefined;
}
