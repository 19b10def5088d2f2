// What a llama-server router is asked (llamacpp-calls.ts): a load refused or ended by the router's
// own answers, each failure a HostError of the right kind naming the cause and what to do.
import { describe, expect, it } from 'vitest';
import { routerLoad, routerUnload, type RouterHost } from '../../src/orchestrator/engines/llamacpp/llamacpp-calls.js';
import type { RouterModel } from '../../src/orchestrator/engines/llamacpp/llamacpp-api.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';

type Entry = Pick<RouterModel, 'status' | 'failure'> | undefined;

/** A router whose /models lists alpha as `entries` say in turn (the last one stays; undefined: not listed). */
function router(
  entries: Entry[],
  opts: { router?: boolean } = {},
): RouterHost & { commands: string[]; reads: number; signals: Array<AbortSignal | undefined> } {
  let i = 0;
  const r = {
    commands: [] as string[],
    reads: 0,
    /** The signal each call of the router was given. */
    signals: [] as Array<AbortSignal | undefined>,
    host: '127.0.0.1:1',
    api: {
      who: 'llama-server at 127.0.0.1:1',
      command: async (which: string, id: string, o?: { signal?: AbortSignal }) => {
        r.signals.push(o?.signal);
        r.commands.push(`${which} ${id}`);
      },
    } as unknown as RouterHost['api'],
    serverProps: async (o?: { signal?: AbortSignal }) => {
      r.signals.push(o?.signal);
      return { router: opts.router ?? true, maxInstances: 2 };
    },
    models: async (o?: { signal?: AbortSignal }) => {
      r.signals.push(o?.signal);
      r.reads++;
      const e = entries[Math.min(i++, entries.length - 1)];
      return e ? [{ id: 'alpha', name: 'alpha:latest', args: {}, ...e }] : [];
    },
    idOf: (name: string) => name.replace(/:latest$/, ''),
  };
  return r;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as HostError,
  );

describe('a load on a llama-server router', () => {
  it('refuses a model the router does not list, naming where its models come from', async () => {
    const r = router([undefined]);
    const err = await failure(routerLoad(r, 'alpha:latest'));
    expect(err).toBeInstanceOf(HostError);
    expect(err).toMatchObject({ kind: 'model_not_found', status: 404, host: '127.0.0.1:1' });
    expect(err!.message).toMatch(
      /llama-server at 127\.0\.0\.1:1 has no model "alpha" — its models are the \.gguf files of its --models-dir .*see list_models/,
    );
    expect(r.commands).toEqual([]);
  });

  it('sends no second load for a model already loading, and waits for it', async () => {
    const r = router([{ status: 'loading' }, { status: 'loading' }, { status: 'loaded' }]);
    expect(await routerLoad(r, 'alpha:latest')).toBeGreaterThan(0);
    expect(r.commands).toEqual([]);
    const unloaded = router([{ status: 'unloaded' }, { status: 'loaded' }]);
    await routerLoad(unloaded, 'alpha:latest');
    expect(unloaded.commands).toEqual(['load alpha']);
  });

  it('returns the time the load took, in nanoseconds: more than none, no more than the call took', async () => {
    const r = router([{ status: 'unloaded' }, { status: 'loading' }, { status: 'loaded' }]);
    const t0 = performance.now();
    const ns = await routerLoad(r, 'alpha:latest');
    const callNs = (performance.now() - t0) * 1e6;
    expect(ns).toBeGreaterThan(0);
    expect(ns).toBeLessThanOrEqual(Math.ceil(callNs));
    expect(Number.isInteger(ns)).toBe(true);
  });

  it(
    "gives the caller's signal to every call it makes of the router, so a cancel stops the one " + 'under way',
    async () => {
      const ac = new AbortController();
      const r = router([{ status: 'unloaded' }, { status: 'loading' }, { status: 'loaded' }]);
      await routerLoad(r, 'alpha:latest', ac.signal);
      await routerUnload(r, 'alpha:latest', ac.signal);
      expect(r.commands).toEqual(['load alpha', 'unload alpha']);
      // models, serverProps, load, models ×2, then serverProps and unload
      expect(r.signals).toHaveLength(7);
      for (const s of r.signals) expect(s).toBe(ac.signal);
    },
  );

  it('a single-model server refuses to load or unload, saying it is not in router mode', async () => {
    const single = router([{ status: 'unloaded' }], { router: false });
    const load = await failure(routerLoad(single, 'alpha:latest'));
    expect(load).toMatchObject({ kind: 'not_supported', host: '127.0.0.1:1' });
    expect(load!.message).toMatch(
      /llama-server at 127\.0\.0\.1:1 serves one model \(it was not started in router mode: --models-dir or --models-preset\), so ollm-mcp cannot load alpha:latest there/,
    );
    const unload = await failure(routerUnload(single, 'alpha:latest'));
    expect(unload).toMatchObject({ kind: 'not_supported' });
    expect(unload!.message).toMatch(/cannot unload alpha:latest there/);
    expect(single.commands).toEqual([]);
    // a router does both
    const r = router([{ status: 'loaded' }]);
    await routerUnload(r, 'alpha:latest');
    expect(r.commands).toEqual(['unload alpha']);
  });

  it('stops waiting when its signal is aborted, as a cancellation', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = router([{ status: 'unloaded' }, { status: 'loading' }]);
    const err = await failure(routerLoad(r, 'alpha:latest', ac.signal));
    expect(err).toMatchObject({ kind: 'aborted', host: '127.0.0.1:1' });
    expect(err!.message).toBe('loading "alpha:latest" was cancelled.');
  });

  it(
    "ends at once when the status says the load failed, with the router's reason, without " + 'waiting out the grace',
    async () => {
      const r = router([{ status: 'unloaded' }, { status: 'failed', failure: 'its last load failed (exit code 1)' }]);
      const err = await failure(routerLoad(r, 'alpha:latest'));
      expect(err).toMatchObject({ kind: 'server_error' });
      expect(err!.message).toMatch(
        /could not load alpha:latest: its last load failed \(exit code 1\) — see the router's log .*too large for this machine/,
      );
      expect(r.reads).toBe(2); // no poll after the failure
    },
  );

  it('names a model the router stopped listing, or that is unloaded again', async () => {
    const gone = await failure(routerLoad(router([{ status: 'unloaded' }, undefined]), 'alpha:latest'));
    expect(gone).toMatchObject({ kind: 'server_error' });
    expect(gone!.message).toMatch(/could not load alpha:latest: it is no longer listed —/);
    const again = await failure(routerLoad(router([{ status: 'unloaded' }]), 'alpha:latest'));
    expect(again).toMatchObject({ kind: 'server_error' });
    expect(again!.message).toMatch(/could not load alpha:latest: it is unloaded again —/);
  });

  it('a failure the router puts down to memory is out_of_memory; another is a server error', async () => {
    for (const why of ['CUDA error: Out Of Memory', 'failed to alloc buffer', 'killed by signal 9', 'terminated']) {
      const err = await failure(
        routerLoad(router([{ status: 'unloaded' }, { status: 'failed', failure: why }]), 'alpha:latest'),
      );
      expect(err, why).toMatchObject({ kind: 'out_of_memory' });
    }
    const other = await failure(
      routerLoad(
        router([{ status: 'unloaded' }, { status: 'failed', failure: 'bad magic in the file' }]),
        'alpha:latest',
      ),
    );
    expect(other).toMatchObject({ kind: 'server_error' });
  });
});
