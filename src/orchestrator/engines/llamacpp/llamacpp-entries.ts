/**
 * A llama-server model told as Ollama tells its models (llamacpp.ts): its entry in /api/tags and
 * /api/ps, its /api/show card, and its row in the host's report. Its size is all it takes loaded
 * at its window; an idle router model never expires by itself.
 */
import type { EngineModel, ModelShow } from '../engine-model.js';
import type { EngineReport } from '../engine.js';
import { parameterSize } from './llamacpp-gguf.js';
import type { LlamacppModel } from './llamacpp-models.js';

/** An idle router model never expires by itself: /api/ps says so with a far date. */
const NEVER = new Date('2318-01-01T00:00:00Z');

/** Its entry in the list of models. */
export function modelEntry(m: LlamacppModel): EngineModel {
  const arch = m.facts?.architecture ?? '';
  return {
    name: m.name,
    model: m.name,
    modified_at: new Date(0),
    size: m.sizeBytes,
    // weights + KV cache + prompt cache at its --ctx-size (or the size set in settings): all it takes there
    ...(m.sizeSource !== 'unknown' && { sizeAtWindow: true }),
    // the window it runs with in it (its server's own once seen): a new one is a new card (catalog.ts caches by digest)
    digest: `llamacpp:${m.id}:${m.args.file ?? ''}:${m.facts?.fileBytes ?? 0}:${m.args.ctxSize ?? 0}${m.runtime ? `:${m.runtime.nCtx}x${m.runtime.slots}` : ''}`,
    details: {
      parent_model: '',
      format: 'gguf',
      family: arch,
      families: arch ? [arch] : [],
      parameter_size: parameterSize(m.facts?.parameterCount),
      quantization_level: m.facts?.quantization ?? '',
    },
    expires_at: NEVER,
    size_vram: 0,
  };
}

/** Its entry among the models running; a sleeping one holds no memory (`asleep`). */
export function runningEntry(m: LlamacppModel): EngineModel {
  return {
    ...modelEntry(m),
    expires_at: NEVER,
    size_vram: 0,
    ...(m.status === 'sleeping' && { size: 0, asleep: true }),
    ...(m.contextLength !== undefined && { context_length: m.contextLength }),
  };
}

/** Its card: architecture, window and parameter count; no KV shape, the KV cache is in its size already. */
export function showAnswer(m: LlamacppModel): ModelShow {
  const arch = m.facts?.architecture ?? 'unknown';
  // The KV cache is in the size already (it is fixed by --ctx-size): no KV shape goes to the planner.
  const info: Record<string, unknown> = {
    'general.architecture': arch,
    ...(m.contextLength !== undefined && { [`${arch}.context_length`]: m.contextLength }),
  };
  if (m.facts?.parameterCount) info['general.parameter_count'] = m.facts.parameterCount;
  const entry = modelEntry(m);
  return {
    license: '',
    parameters: m.sampling ?? '',
    template: '',
    system: '',
    details: entry.details,
    model_info: info,
    capabilities: ['completion'],
  };
}

/**
 * A router's models by whether their server keeps the prompt cache in RAM: each model's args are the router's
 * own flags (--cache-ram N, 8192 MiB unless given; 0 turns it off) with the model's preset.
 */
export function promptCacheOf(models: readonly LlamacppModel[]): { on: string[]; off: string[] } {
  const off = (m: LlamacppModel) => m.args.cacheRamMiB === 0;
  return { on: models.filter((m) => !off(m)).map((m) => m.name), off: models.filter(off).map((m) => m.name) };
}

/** Its row in the host's report: status, memory and where that figure comes from. */
export function reportRow(m: LlamacppModel): EngineReport['models'][number] {
  return {
    name: m.name,
    id: m.id,
    status: m.status,
    ...(m.failure && { failure: m.failure }),
    sizeBytes: m.sizeBytes,
    weightsBytes: m.weightsBytes,
    kvBytes: m.kvBytes,
    cacheBytes: m.cacheBytes,
    sizeSource: m.sizeSource,
    ...(m.runtime && { slots: m.runtime.slots }),
    ...(m.contextLength !== undefined && { contextLength: m.contextLength }),
    ...(m.args.file && { file: m.args.file }),
  };
}
