// A relayed request takes its place in the planner's load order (issue 80, finding 3), in-process: a
// relaying server's request loops keep three loaded models busy under holds the planner lent, the
// planner's own load needs two of them gone. Before, a relayed request under a hold never met "a load
// whose turn has come holds new requests back": the hold was renewed round after round, and the load
// waited until the loops stopped. Now, once its turn has come, no hold on a model it unloads is lent,
// the current ones are revoked, the relaying server's next calls go through the planner — where they
// wait behind the load — and it loads while the loops still go on. The loader's clock is the test's
// (its turn comes when the test says so); the bound is counted in calls, not in seconds.
// The models and the 20 GB host are load-turn.test.ts's: qwen2.5:14b unloads phi3:mini and mistral:7b.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { BIG, LOOPED, TURN_MODELS } from '../helpers/turn-models.js';
import { coreFor } from '../helpers/core.js';
import { Loader } from '../../src/orchestrator/loading/loader.js';
import { STARVE_MS } from '../../src/orchestrator/loading/load-queue.js';
import type { LoadRequest } from '../../src/orchestrator/loading/load-types.js';
import { HoldDesk } from '../../src/orchestrator/engines/holds/desk.js';
import { HoldClient } from '../../src/orchestrator/engines/holds/client.js';
import { heldGenerate } from '../../src/orchestrator/engines/holds/leases.js';
import { holdDoor } from '../../src/server/shared/hold-door.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';

const GB = 1e9;
const TOKEN = 'a'.repeat(64);
const KEY = 'ollama http://loopback:11434';
const MODELS = TURN_MODELS;
/** The most relayed calls the loops may make once the load's turn came, before it is answered. */
const BOUND = 300;

const close: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of close.splice(0).reverse()) await c();
});

/** The planner: the host with the three models loaded, its loader on a clock the test moves, its desk behind a door. */
async function planner() {
  const fake = await FakeOllama.start({ models: MODELS, memoryBytes: 20 * GB, loadDelayMs: 1 });
  close.push(() => fake.stop());
  const core = await coreFor(fake, { totalBytes: 20 * GB, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  const host = core.fleet.hosts[0]!;
  let skew = 0;
  const loader = new Loader(host.engine, host.catalog, host.loader.hostMemory, host.settings, {
    now: () => Date.now() + skew,
  });
  for (const model of LOOPED) await loader.ensureLoaded({ model });
  const desk = new HoldDesk(5000, () => performance.now(), 20);
  const begin = (m: string) => loader.begin(m);
  const claimed = (m: string) => loader.claimed(m);
  desk.lend(KEY, { engine: host.engine, begin, keepAlive: () => '5m', plans: async () => true, claimed });
  const server = http.createServer((_q, s) => s.writeHead(404).end());
  server.on('upgrade', holdDoor(desk, [{ value: TOKEN, source: 'an engine claim', agent: 'local' }]));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  close.push(() => (desk.shut(), server.close()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return { fake, loader, desk, url, turnComes: () => (skew += STARVE_MS) };
}

/** A request for work on `model` on the planner, the engine's list as read just now (load-turn.test.ts). */
const request = (p: Awaited<ReturnType<typeof planner>>, model: string, signal?: AbortSignal): LoadRequest => ({
  model,
  waitWhileBusy: true,
  seen: p.fake.loaded().map((m) => ({ name: m.name, sizeBytes: m.size, contextLength: m.contextLength })),
  seenAt: p.loader.changes,
  ...(signal && { signal }),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The relaying server's loop on `model`: under a hold, straight to the engine (20 ms), its begin and end told
 * to the planner; without one, through the planner (its loader, as its route_and_generate would) — until
 * stopped. `calls` counts each way.
 */
async function loop(
  p: Awaited<ReturnType<typeof planner>>,
  c: HoldClient,
  model: string,
  stop: AbortSignal,
  calls: { held: number; through: number },
) {
  const direct = { generate: async () => (await sleep(20), { doneReason: 'stop' }) } as unknown as Engine;
  const through = async () => {
    const out = await p.loader.ensureLoaded(request(p, model, stop)).catch(() => undefined);
    if (out?.action !== 'loaded' && out?.action !== 'already_loaded') return { doneReason: 'stop' };
    const end = p.loader.begin(model);
    calls.through++;
    await sleep(20);
    end();
    return { doneReason: 'stop' };
  };
  const req: GenerateRequest = {
    model,
    prompt: 'hi',
    keepAlive: 300,
    numCtx: 2048,
    maxTokens: 8,
    onDelta: () => undefined,
  };
  while (!stop.aborted) {
    const held = c.usable(KEY, model) !== undefined;
    await heldGenerate(c, KEY, direct, [req, {}], through);
    if (held) calls.held++;
  }
}

describe("a relaying server's loops on the models a planner's load unloads", () => {
  it(
    'the load, once its turn has come, is answered while the loops go on: their holds revoked, their ' +
      'calls waiting behind it on the planner',
    async () => {
      const p = await planner();
      const c = new HoldClient({ url: p.url, token: TOKEN }, () => true);
      close.push(() => c.close());
      const stop = new AbortController();
      const calls = { held: 0, through: 0 };
      const loops = LOOPED.flatMap((m) => [loop(p, c, m, stop.signal, calls), loop(p, c, m, stop.signal, calls)]);
      try {
        // the loops run under holds: every model lent
        await vi.waitFor(() => expect(calls.held).toBeGreaterThan(30), { timeout: 10_000, interval: 10 });
        const waits: string[] = [];
        const progress = { enter: (ph: { kind: string; for?: string }) => void waits.push(ph.for ?? '') };
        let answered = false;
        const big = p.loader.ensureLoaded({ ...request(p, BIG), progress }).finally(() => (answered = true));
        await vi.waitFor(() => expect(waits.length).toBeGreaterThan(0), { interval: 5 });
        const before = calls.held;
        await vi.waitFor(() => expect(calls.held).toBeGreaterThan(before + 30), { timeout: 10_000, interval: 10 });
        expect(answered).toBe(false); // before its turn, the loops are let through
        p.turnComes();
        const atTurn = calls.held + calls.through;
        await vi.waitFor(() => expect(answered || calls.held + calls.through - atTurn > BOUND).toBe(true), {
          timeout: 60_000,
          interval: 10,
        });
        const after = calls.held + calls.through - atTurn;
        const loopsRan = !stop.signal.aborted;
        stop.abort();
        const out = await big;
        expect(loopsRan).toBe(true);
        expect(answered).toBe(true);
        expect(after).toBeLessThanOrEqual(BOUND);
        expect(out).toMatchObject({ action: 'loaded', model: BIG });
        expect([...out.unloaded].sort()).toEqual(['mistral:7b', 'phi3:mini']);
        expect(p.fake.stats().forcedEvictions).toEqual([]);
      } finally {
        stop.abort();
        await Promise.all(loops);
      }
    },
  );
});
