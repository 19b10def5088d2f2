/**
 * What a llama-server router is asked, in its own API:
 * - load → POST /models/load, then the status is polled until it says loaded (or the load
 *   failed), within the caller's time limit;
 * - unload → POST /models/unload (the loader then waits until the status no longer says loaded);
 * - generate → a streamed /v1/chat/completions (openai-generate.ts).
 * A single-model server (not started in router mode) can do neither load nor unload: it says so.
 */
import type { LlamacppApi, RouterModel, ServerProps } from './llamacpp-api.js';
import { HostError } from '../host-error.js';
import { cancelledText } from '../../util/stopping.js';

/** What these calls need of the adapter (llamacpp.ts), named here so the two files do not import each other. */
export interface RouterHost {
  readonly api: LlamacppApi;
  readonly host: string;
  serverProps(opts?: { signal?: AbortSignal }): Promise<ServerProps>;
  models(opts?: { signal?: AbortSignal }): Promise<Array<RouterModel & { name: string }>>;
  idOf(name: string): string;
}

const POLL_MS = 100;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

async function routerOnly(b: RouterHost, what: string, signal?: AbortSignal): Promise<void> {
  const props = await b.serverProps(signal ? { signal } : {});
  if (!props.router) throw new HostError('not_supported', `${b.api.who} serves one model (it was not started in router mode: --models-dir or --models-preset), so ollm-mcp cannot ${what} there.`, b.host);
}

export async function routerUnload(b: RouterHost, name: string, signal?: AbortSignal): Promise<void> {
  await routerOnly(b, `unload ${name}`, signal);
  await b.api.command('unload', b.idOf(name), signal ? { signal } : {});
}

/** POST /models/load, then waits until the status says loaded; returns the load time in ns. Past the caller's limit its signal stops the wait. */
export async function routerLoad(b: RouterHost, name: string, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  const id = b.idOf(name);
  const first = (await b.models(signal ? { signal } : {})).find((m) => m.id === id);
  if (!first) throw new HostError('model_not_found', `${b.api.who} has no model "${id}" — its models are the .gguf files of its --models-dir (or the entries of --models-preset); see list_models.`, b.host, 404);
  if (first.status === 'loaded') return 0;
  await routerOnly(b, `load ${name}`, signal);
  if (first.status !== 'loading') await b.api.command('load', id, signal ? { signal } : {});
  for (;;) {
    if (signal?.aborted) throw new HostError('aborted', cancelledText(`loading "${name}"`, signal), b.host);
    const now = (await b.models(signal ? { signal } : {})).find((m) => m.id === id);
    if (now?.status === 'loaded') return Math.round((performance.now() - started) * 1e6);
    if (!now || now.status === 'failed' || (now.status === 'unloaded' && performance.now() - started > 1000)) {
      const why = now?.failure ?? (now ? 'it is unloaded again' : 'it is no longer listed');
      const kind = /memory|alloc|killed|terminated/i.test(why) ? 'out_of_memory' : 'server_error';
      throw new HostError(kind, `${b.api.who} could not load ${name}: ${why} — see the router's log (the model's own llama-server writes there); the file may be damaged or too large for this machine.`, b.host);
    }
    await sleep(POLL_MS, signal);
  }
}
