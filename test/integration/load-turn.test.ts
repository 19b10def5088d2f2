/**
 * Every load gets its turn (issue 72, finding 2): one agent's request loops keep three loaded models
 * busy, another agent's load needs two of them gone. Before, its plan waited for one of them to be
 * idle, and requests on a loaded model were let through while it waited — so it waited until the
 * loops stopped. A load that has waited its turn (STARVE_MS) is served next: new requests on the
 * models it unloads wait behind it, whoever sends them, the ones running end, it loads; requests on
 * the other models go on. The loader's clock is the test's: its turn comes when the test says so.
 *
 * A 20 GB CPU host (the planner's figures at 4,096 tokens: phi3:mini 4.2 GB, mistral:7b 5.5 GB,
 * llama3.1:8b 6.4 GB, qwen2.5:14b 11.6 GB): the three fit, 3.9 GB left; qwen2.5:14b needs two of them
 * gone, and takes the cheapest two, phi3:mini and mistral:7b.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { BIG, LOOPED, TURN_MODELS } from '../helpers/turn-models.js';
import { coreFor } from '../helpers/core.js';
import { Loader } from '../../src/orchestrator/loading/loader.js';
import { STARVE_MS } from '../../src/orchestrator/loading/load-queue.js';
import type { LoadOutcome, LoadRequest } from '../../src/orchestrator/loading/load-types.js';

const GB = 1e9;
const MODELS = TURN_MODELS;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/** The host with the three looped models loaded, and a loader on it whose clock the test moves on. */
async function box() {
  fake = await FakeOllama.start({ models: MODELS, memoryBytes: 20 * GB, loadDelayMs: 1 });
  const core = await coreFor(fake, { totalBytes: 20 * GB, yaml: YAML });
  const host = core.fleet.hosts[0]!;
  let skew = 0;
  const loader = new Loader(host.engine, host.catalog, host.loader.hostMemory, host.settings, {
    now: () => Date.now() + skew,
  });
  for (const model of LOOPED) await loader.ensureLoaded({ model });
  expect(loaded()).toEqual(LOOPED.slice().sort());
  return { loader, turnComes: () => (skew += STARVE_MS) };
}

const loaded = () =>
  fake!
    .loaded()
    .map((m) => m.name)
    .sort();

/**
 * What a request for work is told, as the route tells it: the engine's list as read just now (the quick path
 * takes it while no load or unload came since).
 */
const seen = (loader: Loader): Pick<LoadRequest, 'seen' | 'seenAt'> => ({
  seen: fake!.loaded().map((m) => ({ name: m.name, sizeBytes: m.size, contextLength: m.contextLength })),
  seenAt: loader.changes,
});

/** A progress reporter keeping what each wait says. */
const recorder = (list: string[]) => ({
  enter: (p: { kind: string; for?: string }) => void (p.kind === 'waiting' && list.push(p.for ?? '')),
});

/** A request for work on `model` as the route asks it (its answer and whether it came yet), the list read just now. */
function ask(loader: Loader, model: string, more: Partial<LoadRequest> = {}) {
  const waits: string[] = [];
  const state: { out?: LoadOutcome } = {};
  const done = loader
    .ensureLoaded({ model, waitWhileBusy: true, ...seen(loader), progress: recorder(waits), ...more })
    .then((out) => (state.out = out));
  return { done, waits, state };
}

/** One agent's request loop on `model`: load (the quick path when it is loaded), run `ms`, again — until stopped. */
async function loop(loader: Loader, model: string, ms: number, stop: AbortSignal, calls: string[]): Promise<void> {
  while (!stop.aborted) {
    const out = await loader
      .ensureLoaded({ model, waitWhileBusy: true, ...seen(loader), signal: stop })
      .catch(() => undefined);
    // given up (stopped), or to be tried again
    if (out?.action !== 'loaded' && out?.action !== 'already_loaded') continue;
    const end = loader.begin(model);
    calls.push(model);
    await new Promise((r) => setTimeout(r, ms));
    end();
  }
}

/** Once loaded, a request runs on `model` and ends. */
const runs = (loader: Loader, model: string) => (out: LoadOutcome) => (loader.begin(model)(), out);

const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));
/**
 * `p`'s answer when it comes at once (within 2 s, for a loaded machine), else undefined: a request let
 * through is not kept waiting.
 */
const soon = <T>(p: Promise<T>) => Promise.race([p, sleep(2000)]);

describe('a load that needs the room of models other requests keep busy', () => {
  it(
    'is served once it has waited its turn, while the loops on them go on: before, it loaded ' +
      'only once they stopped',
    async () => {
      const { loader, turnComes } = await box();
      const stop = new AbortController();
      const calls: string[] = [];
      const loops = LOOPED.flatMap((m) => [
        loop(loader, m, 20, stop.signal, calls),
        loop(loader, m, 20, stop.signal, calls),
      ]);
      const big = ask(loader, BIG);
      await vi.waitFor(() => expect(big.waits.length).toBeGreaterThan(0), { interval: 5 });
      // before its turn, the loops are let through: a few rounds of calls on every model while it waits
      const before = calls.length;
      await vi.waitFor(
        () => expect(LOOPED.every((m) => calls.slice(before).filter((c) => c === m).length >= 4)).toBe(true),
        { interval: 5 },
      );
      expect(big.state.out).toBeUndefined();
      expect(loaded()).toEqual(LOOPED.slice().sort());
      turnComes();
      // its turn: the requests running end (20 ms each), it loads — well within 2 s, with the loops still going
      const out = await soon(big.done);
      const loopsRan = !stop.signal.aborted;
      stop.abort();
      await Promise.all(loops);
      await big.done;
      expect(loopsRan).toBe(true);
      expect(out).toMatchObject({ action: 'loaded', model: BIG });
      expect([...out!.unloaded].sort()).toEqual(['mistral:7b', 'phi3:mini']);
      expect(fake!.stats().forcedEvictions).toEqual([]);
    },
  );

  it(
    'before its turn, requests on the models it would unload are let through; once it has come ' +
      'they wait behind it, and those on the others go on',
    async () => {
      const { loader, turnComes } = await box();
      const running = LOOPED.map((m) => loader.begin(m)); // a request runs on each
      const big = ask(loader, BIG);
      await vi.waitFor(
        () => expect(big.waits).toEqual(['a request on mistral:7b, phi3:mini to finish, to make room']),
        {
          interval: 5,
        },
      );
      // not yet its turn: a request on phi3 goes straight to the engine
      const early = ask(loader, 'phi3:mini');
      expect(await soon(early.done)).toMatchObject({ action: 'already_loaded' });
      const endEarly = loader.begin('phi3:mini');
      turnComes();
      // its turn: one on phi3 as the engine's list was just read (the quick path), one on mistral through the planner
      const quick = ask(loader, 'phi3:mini');
      const planned = ask(loader, 'mistral:7b', { seen: undefined, seenAt: undefined });
      const held = /^the load of qwen2\.5:14b, which has waited its turn and unloads (phi3:mini|mistral:7b)$/;
      await vi.waitFor(
        () =>
          expect([...quick.waits, ...planned.waits]).toEqual([
            expect.stringMatching(held),
            expect.stringMatching(held),
          ]),
        { interval: 5 },
      );
      // …while one on llama3.1, which it leaves loaded, is let through
      expect(await soon(ask(loader, 'llama3.1:8b').done.then(runs(loader, 'llama3.1:8b')))).toMatchObject({
        action: 'already_loaded',
      });
      expect([quick.state.out, planned.state.out, big.state.out]).toEqual([undefined, undefined, undefined]);
      // the requests running on mistral and phi3 end, one and then the others: it loads beside llama3.1, still busy
      running[1]!();
      await vi.waitFor(
        () =>
          expect(big.waits.at(-1)).toBe(
            'a request on phi3:mini to finish, to make room; its turn has ' +
              'come: new requests there wait behind this load',
          ),
        { interval: 5 },
      );
      running[0]!();
      endEarly();
      expect(await big.done).toMatchObject({ action: 'loaded', unloaded: ['mistral:7b', 'phi3:mini'] });
      expect(loaded()).toEqual(['llama3.1:8b', 'qwen2.5:14b']);
      // the requests held back go on once it is answered, loaded again as the planner decides (each then runs)
      running[2]!();
      loader.begin(BIG)();
      const [q, p] = await Promise.all([
        quick.done.then(runs(loader, 'phi3:mini')),
        planned.done.then(runs(loader, 'mistral:7b')),
      ]);
      expect([q.action, p.action]).toEqual(['loaded', 'loaded']);
      expect(fake!.stats().forcedEvictions).toEqual([]);
    },
  );

  it(
    "a job's own request and a dry run on a model it unloads are answered at once: the job may " +
      'hold what it waits for',
    async () => {
      const { loader, turnComes } = await box();
      const job = {};
      const running = [
        loader.begin('phi3:mini', undefined, job),
        loader.begin('mistral:7b'),
        loader.begin('llama3.1:8b'),
      ];
      const big = ask(loader, BIG);
      await vi.waitFor(() => expect(big.waits.length).toBeGreaterThan(0), { interval: 5 });
      turnComes();
      // the load waits for phi3's request, which waits for this load of its job: held back, neither would end
      expect(await soon(ask(loader, 'phi3:mini', { job }).done)).toMatchObject({ action: 'already_loaded' });
      expect(await soon(ask(loader, 'mistral:7b', { dryRun: true }).done)).toMatchObject({ action: 'already_loaded' });
      expect(loader.requestsOn('mistral:7b')).toBe(1); // the dry run holds nothing there: no request of its follows
      expect(big.state.out).toBeUndefined();
      running.forEach((end) => end());
      expect(await big.done).toMatchObject({ action: 'loaded' });
    },
  );

  it('a model whose last request ended a moment ago does not hold its room once its turn has come', async () => {
    const { loader, turnComes } = await box();
    const running = LOOPED.map((m) => loader.begin(m));
    const big = ask(loader, BIG);
    await vi.waitFor(() => expect(big.waits.length).toBeGreaterThan(0), { interval: 5 });
    turnComes();
    running[0]!();
    running[1]!(); // phi3 and mistral linger a moment (LINGER_MS) while llama3.1's request goes on
    let lingered = false;
    void loader.whenIdle('phi3:mini', 10_000).then(() => (lingered = true));
    const out = await big.done;
    // loaded while phi3 still lingered: not left to a next request that now waits behind it
    expect(lingered).toBe(false);
    expect(out).toMatchObject({ action: 'loaded', unloaded: ['mistral:7b', 'phi3:mini'] });
    running[2]!();
  });

  it('a request on an idle model it unloads beside the busy ones waits behind it too', async () => {
    const { loader, turnComes } = await box();
    // phi3 idle: it waits for mistral's request
    const running = [loader.begin('mistral:7b'), loader.begin('llama3.1:8b')];
    const big = ask(loader, BIG);
    await vi.waitFor(() => expect(big.waits).toEqual(['a request on mistral:7b to finish, to make room']), {
      interval: 5,
    });
    turnComes();
    const phi = ask(loader, 'phi3:mini');
    await vi.waitFor(
      () => expect(phi.waits).toEqual(['the load of qwen2.5:14b, which has waited its turn and unloads phi3:mini']),
      { interval: 5 },
    );
    expect(phi.state.out).toBeUndefined();
    running[0]!();
    expect(await big.done).toMatchObject({ action: 'loaded', unloaded: ['mistral:7b', 'phi3:mini'] });
    loader.begin(BIG)();
    running[1]!();
    await phi.done.then(runs(loader, 'phi3:mini'));
  });

  it(
    'a request whose caller held the model for it lets that hold go while it waits behind it, ' +
      'and is held again once loaded',
    async () => {
      const { loader, turnComes } = await box();
      const running = LOOPED.map((m) => loader.begin(m));
      const big = ask(loader, BIG);
      await vi.waitFor(() => expect(big.waits.length).toBeGreaterThan(0), { interval: 5 });
      turnComes();
      loader.hold('phi3:mini'); // with several hosts, the route holds the copy it chose (route-candidates.ts)
      const phi = ask(loader, 'phi3:mini', { held: true });
      await vi.waitFor(() => expect(phi.waits.length).toBe(1), { interval: 5 });
      expect(loader.requestsOn('phi3:mini')).toBe(1); // the request running there, not the hold
      running[0]!();
      running[1]!();
      expect(await big.done).toMatchObject({ action: 'loaded', unloaded: ['mistral:7b', 'phi3:mini'] });
      loader.begin(BIG)();
      running[2]!();
      expect(await phi.done).toMatchObject({ action: 'loaded' });
      expect(loader.requestsOn('phi3:mini')).toBe(1); // held for it until it begins
      loader.begin('phi3:mini')();
      expect(loader.requestsOn('phi3:mini')).toBe(0);
    },
  );
});
