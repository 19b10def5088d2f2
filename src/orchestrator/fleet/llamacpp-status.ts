/**
 * What a llama.cpp host shows beside an Ollama host's status (ollm://fleet, show_status, doctor,
 * list_models): router or single model, its --models-max, and every model with its status
 * (loaded, loading, unloaded, failed), its memory and where that figure comes from.
 */
import { LlamacppBackend } from '../engines/llamacpp/llamacpp.js';
import type { OllamaHost } from './ollama-host.js';

export interface LlamacppModelStatus {
  name: string;
  /** The router's id for it. */
  id: string;
  status: string;
  failure?: string;
  /** What it takes loaded: weights + KV cache. */
  sizeBytes: number;
  weightsBytes: number;
  kvBytes: number;
  /** gguf: read from its file's header; settings: hosts.NAME.modelSizes; unknown: neither. */
  sizeSource: 'gguf' | 'settings' | 'unknown';
  contextLength?: number;
  file?: string;
}

export interface LlamacppStatus {
  router: boolean;
  modelsMax: number;
  models: LlamacppModelStatus[];
}

/** The router's view of a llama.cpp host, or undefined for an Ollama host. Throws when it does not answer. */
export async function llamacppStatus(h: Pick<OllamaHost, 'backend'>, signal?: AbortSignal): Promise<LlamacppStatus | undefined> {
  const b = h.backend;
  if (!(b instanceof LlamacppBackend)) return undefined;
  const call = signal ? { signal } : {};
  const [props, models, modelsMax] = await Promise.all([b.serverProps(call), b.models(call), b.modelsMax(call)]);
  return {
    router: props.router,
    modelsMax,
    models: models.map((m) => ({
      name: m.name,
      id: m.id,
      status: m.status,
      ...(m.failure && { failure: m.failure }),
      sizeBytes: m.sizeBytes,
      weightsBytes: m.weightsBytes,
      kvBytes: m.kvBytes,
      sizeSource: m.sizeSource,
      ...(m.contextLength !== undefined && { contextLength: m.contextLength }),
      ...(m.args.file && { file: m.args.file }),
    })),
  };
}
