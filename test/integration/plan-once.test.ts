/**
 * A call plans once and runs its plan (issue 63, Deliver 1): a call with inputs is placed — its
 * hosts read, its models' windows weighed — and ranked by the plan of the work over them
 * (offload-plan.ts), and the route that runs it takes that plan instead of deriving it again. A dry
 * run shows the plan a run carries out; a split job's parts run on the plan's model, placement and
 * windows, only the hosts' state (what is loaded now) read again for each.
 *
 * The reads are counted at the hosts (overview.listModels: one placement; loader.usableWindows:
 * one weighing of windows), beside what can be seen from outside: a host that went to rest after
 * the plan was made is not looked at again by the run, so nothing says it was skipped.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import type { PhaseBoard } from '../../src/orchestrator/progress/progress.js';
import type { FleetHost } from '../../src/orchestrator/fleet/fleet-host.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { log48k } from '../helpers/log-fixture.js';

const QUESTION = 'Which errors occurred in this log?';
const byName = (n: string) => DEFAULT_MODELS.find((m) => m.name === n)!;
/** Two general models with 8,192-token windows: 2 KB of log runs whole, 48 KB is split. */
const GENERAL = [byName('llama3.2:latest'), byName('phi3:mini')].map((m) => ({ ...m, contextLength: 8192 }));
const YAML = 'ram:\n  budget: 20GB\n  bufferBytes: 0\n';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(stops.splice(0).map((s) => s()));
});

function gathered(text: string): GatheredInputs {
  const tokens = estimateTokens(text);
  return {
    docs: [{ label: 'logs/app.log', text }],
    images: [],
    read: [{ path: 'logs/app.log', kind: 'text', bytes: text.length, tokens, encoding: 'utf-8' }],
    skipped: [],
    bytes: text.length,
    tokens,
  };
}

async function ollama(yaml = '') {
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models: GENERAL });
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL: LINE-13' : 'partial: LINE-13 status=error',
  );
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: `${YAML}${yaml}` });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  return { fake, core };
}

/** How often each host was placed (its overview listed) and its models' windows weighed. */
function countReads(hosts: readonly FleetHost[]) {
  const placed = hosts.map((h) => vi.spyOn(h.overview, 'listModels'));
  const weighed = hosts.map((h) => vi.spyOn(h.loader, 'usableWindows'));
  const sum = (spies: Array<{ mock: { calls: unknown[] } }>) => spies.reduce((n, s) => n + s.mock.calls.length, 0);
  return { placed: () => sum(placed), weighed: () => sum(weighed) };
}

describe('a call with inputs is placed and ranked once', () => {
  it('run whole: its hosts listed once and its windows weighed once, for the plan and the run', async () => {
    const { fake, core } = await ollama();
    const reads = countReads(core.fleet.hosts);
    const r = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k().slice(0, 2000)) });
    expect(r.split).toBeUndefined();
    expect(fake.generations()).toHaveLength(1);
    expect(reads.placed()).toBe(1);
    expect(reads.weighed()).toBe(1);
  });

  it(
    "split: the plan reads once, and each generation reads only the hosts' state again — no " + 'window weighed again',
    async () => {
      const { fake, core } = await ollama();
      const reads = countReads(core.fleet.hosts);
      const r = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k()) });
      expect(r.split!.parts).toBeGreaterThan(1);
      expect(fake.generations()).toHaveLength(r.split!.calls);
      expect(reads.placed()).toBe(1 + r.split!.calls);
      expect(reads.weighed()).toBe(1);
    },
    60_000,
  );

  it('a dry run shows the plan: placed once, and a run of the same call carries out the model it named', async () => {
    const { core } = await ollama();
    const reads = countReads(core.fleet.hosts);
    const dry = await offload(core, { prompt: QUESTION, useMemory: false, dryRun: true, inputs: gathered(log48k()) });
    expect(dry.split!.parts).toBeGreaterThan(1);
    expect(reads.placed()).toBe(1);
    expect(reads.weighed()).toBe(1);
    const run = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k()) });
    expect(run.model).toBe(dry.model);
    expect(run.split).toEqual(dry.split);
  }, 60_000);

  it(
    'a host that goes to rest after the plan was made is not looked at again by the run: no ' +
      'attempt says it was skipped',
    async () => {
      const other = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models: GENERAL });
      stops.push(() => other.stop());
      const { fake, core } = await ollama(`hosts:\n  - {name: second, kind: ollama, url: "${other.url}"}\n`);
      // the run's first phase ("choosing a model") comes after the plan: the second host rests from then on
      const board = {
        enter: () => core.fleet.hostCooldown.down('second', 'went away'),
        note: () => undefined,
        lane: () => undefined,
        end: () => undefined,
      } as unknown as PhaseBoard;
      const reads = countReads(core.fleet.hosts);
      const r = await offload(core, {
        prompt: QUESTION,
        useMemory: false,
        progress: board,
        inputs: gathered(log48k().slice(0, 2000)),
      });
      expect(core.fleet.hostCooldown.skipped('second')).toBe('went away');
      expect(r.fallbacks).toEqual([]);
      expect(fake.generations().length + other.generations().length).toBe(1);
      expect(reads.placed()).toBe(2); // each host once
    },
  );
});
