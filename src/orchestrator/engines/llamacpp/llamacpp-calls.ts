/**
 * What a llama-server router is asked, in its own API:
 * - load → POST /models/load, then the status is polled until it says loaded (or the load
 *   failed), within the caller's time limit; a sleeping model (--sleep-idle-seconds) is running
 *   already — the router answers "already running" and a request wakes it — so nothing is waited
 *   for; a status that is neither loading nor running ends the wait after LOAD_GRACE_MS;
 * - unload → POST /models/unload (the loader then waits until the status no longer says loaded);
 * - generate → a streamed /v1/chat/completions (openai-generate.ts).
 * A single-model server (not started in router mode) can do neither load nor unload: it says so.
 */
import type { LlamacppApi, RouterModel, ServerProps } from './llamacpp-api.js';
import { HostError } from '../host-error.js';
import { cancelledText } from '../../util/stopping.js';
import { sleep } from '../../util/sleep.js';

/** What these calls need of the adapter (llamacpp.ts), named here so the two files do not import each other. */
export interface RouterHost {
  readonly api: LlamacppApi;
  readonly host: string;
  serverProps(opts?: { signal?: AbortSignal }): Promise<ServerProps>;
  models(opts?: { signal?: AbortSignal }): Promise<Array<RouterModel & { name: string }>>;
  idOf(name: string): string;
}

const POLL_MS = 100;
/**
 * How long after asking a load a status that is neither loading nor running is taken for the answer (the
 * router sets "loading" at once).
 */
export const LOAD_GRACE_MS = 1000;

/** Running: it holds its place among --models-max, and a request is served (a sleeping one is woken by it). */
export const running = (status: string | undefined) => status === 'loaded' || status === 'sleeping';

async function routerOnly(b: RouterHost, what: string, signal?: AbortSignal): Promise<void> {
  const props = await b.serverProps(signal ? { signal } : {});
  if (!props.router)
    throw new HostError(
      'not_supported',
      `${b.api.who} serves one model (it was not started in router mode: --models-dir or ` +
        `--models-preset), so ollm-mcp cannot ${what} there.`,
      b.host,
    );
}

export async function routerUnload(b: RouterHost, name: string, signal?: AbortSignal): Promise<void> {
  await routerOnly(b, `unload ${name}`, signal);
  await b.api.command('unload', b.idOf(name), signal ? { signal } : {});
}

/**
 * POST /models/load, then waits until the status says loaded; returns the load time in ns. Past the caller's
 * limit its signal stops the wait.
 */
export async function routerLoad(b: RouterHost, name: string, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  const id = b.idOf(name);
  const first = (await b.models(signal ? { signal } : {})).find((m) => m.id === id);
  if (!first)
    throw new HostError(
      'model_not_found',
      `${b.api.who} has no model "${id}" — its models are the .gguf files of its --models-dir (or ` +
        `the entries of --models-preset); see list_models.`,
      b.host,
      404,
    );
  if (running(first.status)) return 0;
  await routerOnly(b, `load ${name}`, signal);
  if (first.status !== 'loading') await b.api.command('load', id, signal ? { signal } : {});
  for (;;) {
    if (signal?.aborted) throw new HostError('aborted', cancelledText(`loading "${name}"`, signal), b.host);
    const now = (await b.models(signal ? { signal } : {})).find((m) => m.id === id);
    if (running(now?.status)) return Math.round((performance.now() - started) * 1e6);
    if (!now || now.status === 'failed' || (now.status !== 'loading' && performance.now() - started > LOAD_GRACE_MS)) {
      const why =
        now?.failure ??
        (!now
          ? 'it is no longer listed'
          : now.status === 'unloaded'
            ? 'it is unloaded again'
            : `its status stays "${now.status}", not loading`);
      const kind = /memory|alloc|killed|terminated/i.test(why) ? 'out_of_memory' : 'server_error';
      throw new HostError(
        kind,
        `${b.api.who} could not load ${name}: ${why} — see the router's log (the model's own ` +
          `llama-server writes there); the file may be damaged or too large for this machine.`,
        b.host,
      );
    }
    await sleep(POLL_MS, { signal });
  }
}
