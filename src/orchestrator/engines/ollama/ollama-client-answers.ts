/**
 * The official client's answers in the engine's terms: a model list checked where it enters
 * (ollama-answers.ts), the models left out logged and an answer that is not Ollama's an error; a
 * show as a plain ModelShow; a stream's progress lines (pull, create) handed on one by one.
 */
import type { ShowResponse } from 'ollama';
import type { EngineModel, ModelShow } from '../engine-model.js';
import type { PullLine } from '../engine-requests.js';
import { log } from '../../util/log.js';
import { HostError } from '../host-error.js';
import { checkModels } from './ollama-answers.js';

/** The models of an answer to `path` from Ollama at `host`, checked where they enter (ollama-answers.ts). */
export function checkedModels(host: string, path: string, raw: unknown): EngineModel[] {
  // llama-server answers /api/tags too, its list in OpenAI's shape beside placeholder entries (size "") that
  // would all be left out: another server, asked what it is (not-ollama.ts) — never "no models installed"
  const data = typeof raw === 'object' && raw !== null ? (raw as { object?: unknown; data?: unknown }) : {};
  const out =
    data.object === 'list' && Array.isArray(data.data)
      ? { problem: 'an OpenAI-style list ({"object": "list", "data": […]}), which Ollama never sends' }
      : checkModels(raw);
  if ('problem' in out) {
    throw new HostError(
      'bad_response',
      `Ollama at ${host} answered ${path} with something that is not Ollama's answer: ` +
        `${out.problem} — is Ollama (and not another server) listening there?`,
      host,
    );
  }
  if (out.dropped.length)
    log.warn(
      `Ollama at ${host}: ${path} listed ${out.dropped.length} ` +
        `model${out.dropped.length === 1 ? '' : 's'} that could not be used and were left out ` +
        `(${out.dropped.slice(0, 3).join('; ')})`,
    );
  return out.models;
}

/** A show answer as the engine contract has it. */
export function modelShow(s: ShowResponse): ModelShow {
  // the client types model_info as a Map, but it arrives as a plain JSON object
  return {
    details: s.details,
    model_info: s.model_info as unknown as Record<string, unknown>,
    capabilities: s.capabilities,
    license: s.license,
    parameters: s.parameters,
    template: s.template,
    system: s.system,
    modelfile: s.modelfile,
  };
}

/** Hands each progress line of a stream (pull, create) on, until told it is done. */
export async function progressLines(
  stream: AsyncIterable<{ status: string; digest?: string; total?: number; completed?: number }>,
  onLine: (line: PullLine) => 'done' | void,
): Promise<void> {
  for await (const line of stream) {
    if (
      onLine({
        status: line.status,
        ...(line.digest && { digest: line.digest }),
        ...(line.total !== undefined && { total: line.total }),
        ...(line.completed !== undefined && { completed: line.completed }),
      }) === 'done'
    )
      return;
  }
}
