/**
 * create_model replacing a model that a generation is running on (issue 55, finding 8): Ollama
 * remakes a model under the requests using it (server/create.go writes the new manifest; the
 * scheduler keeps the runner, so the next request runs the new model), so the replace waits for
 * them to finish — then replaces, saying it waited — and is refused, nothing sent, when they still
 * run after the bound, or cancelled while it waits. A model no request runs on is replaced at once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import { createModel } from '../../src/orchestrator/jobs/create.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';
import { createdText } from '../../src/tools/create-model.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks(); // the clock and the loader as they are before anything stops
  await Promise.all(stops.splice(0).map((s) => s()));
});

const generates = (fake: FakeOllama) =>
  fake.requests.filter((r) => r.path === '/api/generate' && (r.body as { prompt?: unknown } | undefined)?.prompt !== '')
    .length;
const creates = (fake: FakeOllama) => fake.requests.filter((r) => r.path === '/api/create').length;
const failure = async (p: Promise<unknown>) =>
  (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as HostError;

/**
 * A core over a fake Ollama with `terse` made from llama3.2, and a generation on it held at the engine until
 * its call is cancelled.
 */
async function busyTerse() {
  const fake = await FakeOllama.start({ pullChunkDelayMs: 1, tokenDelayMs: 0 });
  const core = await coreFor(fake);
  stops.push(
    () => fake.stop(),
    () => core.shutdown(200),
  );
  await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be terse.' });
  // loaded: the held call below waits at the engine only
  await routeAndGenerate(core, { prompt: 'Warm up.', model: 'terse' });
  const before = generates(fake);
  fake.setLatency('/api/generate', 600_000);
  const stop = new AbortController();
  const running = routeAndGenerate(core, { prompt: 'Say hi.', model: 'terse', signal: stop.signal }).catch(
    (e: unknown) => e,
  );
  await expect.poll(() => generates(fake)).toBe(before + 1);
  const loader = core.hosts[0]!.loader;
  expect(loader.requestsOn('terse')).toBe(1);
  const made = creates(fake);
  /** The creates sent since the model was made. */
  const sent = () => creates(fake) - made;
  return { fake, core, loader, sent, end: async () => (stop.abort(), await running) };
}

/**
 * A core with `terse` made, whose loader says the requests running on it from `counts` (the last
 * one ever after), and whose clock stands still but for each wait, which moves it `stepMs` on —
 * how many run and how long the wait took, by the loader's word and the clock's.
 */
async function countedTerse(counts: number[], stepMs: number) {
  const fake = await FakeOllama.start({ pullChunkDelayMs: 1, tokenDelayMs: 0 });
  const core = await coreFor(fake);
  stops.push(
    () => fake.stop(),
    () => core.shutdown(200),
  );
  await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be terse.' });
  const made = creates(fake);
  const loader = core.hosts[0]!.loader;
  let now = Date.now();
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  vi.spyOn(loader, 'requestsOn').mockImplementation(() => (counts.length > 1 ? counts.shift()! : counts[0]!));
  const waits = vi.spyOn(loader, 'whenIdle').mockImplementation(async () => void (now += stepMs));
  const phases: Phase[] = [];
  return { core, waits, phases, progress: { enter: (p: Phase) => phases.push(p) }, sent: () => creates(fake) - made };
}

describe('create_model replace while a generation runs on the model', () => {
  it('waits for the request to finish, with a progress note, then replaces the model and says it waited', async () => {
    const { fake, core, loader, sent, end } = await busyTerse();
    const phases: Phase[] = [];
    let runningWhenSent = -1;
    const push = fake.requests.push.bind(fake.requests);
    fake.requests.push = (...rs) => {
      if (rs.some((r) => r.path === '/api/create')) runningWhenSent = loader.requestsOn('terse');
      return push(...rs);
    };
    const replacing = createModel(core, {
      name: 'terse',
      from: 'llama3.2',
      system: 'Be brief.',
      replace: true,
      progress: { enter: (p) => phases.push(p) },
    });
    await expect.poll(() => phases.some((p) => p.kind === 'waiting')).toBe(true);
    expect(phases.find((p) => p.kind === 'waiting')).toEqual({
      kind: 'waiting',
      for: 'the 1 request running on terse:latest to finish before replacing it',
    });
    expect(sent()).toBe(0); // not under the request
    await end();
    const r = await replacing;
    expect(runningWhenSent).toBe(0);
    expect(r).toMatchObject({ name: 'terse:latest', status: 'replaced', waited: { requests: 1 } });
    expect(createdText(r)).toMatch(
      /^Made again terse:latest from llama3\.2:latest on ollama once the request running on it had finished \(waited \d+ s\); /,
    );
    expect((await core.backend.show('terse:latest')).system).toBe('Be brief.');
  });

  it(
    'is refused, nothing sent, when the requests still run after the bound: the error names the ' +
      'model, how many run and what to do',
    async () => {
      const { sent, core, end } = await busyTerse();
      const err = await failure(
        createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true, replaceWaitMs: 0 }),
      );
      expect(err).toBeInstanceOf(HostError);
      expect(err.message).toMatch(
        /^terse:latest was not replaced: after 0 s, 1 request of other calls is still running on it on ollama, .*Run create_model again once they finish/,
      );
      expect(sent()).toBe(0);
      await end();
      expect((await core.backend.show('terse:latest')).system).toBe('Be terse.');
    },
  );

  it('a cancel while waiting ends the call, nothing replaced', async () => {
    const { sent, core, end } = await busyTerse();
    const stop = new AbortController();
    const phases: Phase[] = [];
    const replacing = failure(
      createModel(core, {
        name: 'terse',
        from: 'llama3.2',
        system: 'Be brief.',
        replace: true,
        signal: stop.signal,
        progress: { enter: (p) => phases.push(p) },
      }),
    );
    await expect.poll(() => phases.some((p) => p.kind === 'waiting')).toBe(true);
    stop.abort();
    const err = await replacing;
    expect(err.kind).toBe('aborted');
    expect(err.message).toContain('terse:latest was not replaced');
    expect(sent()).toBe(0);
    await end();
  });

  it('says the most requests it saw running and how long it waited, each wait told with its count', async () => {
    const { core, phases, progress } = await countedTerse([2, 3, 0], 45_000);
    const r = await createModel(core, {
      name: 'terse',
      from: 'llama3.2',
      system: 'Be brief.',
      replace: true,
      progress,
    });
    expect(r).toMatchObject({ status: 'replaced', waited: { ms: 90_000, requests: 3 } });
    expect(phases.filter((p) => p.kind === 'waiting')).toEqual([
      { kind: 'waiting', for: 'the 2 requests running on terse:latest to finish before replacing it' },
      { kind: 'waiting', for: 'the 3 requests running on terse:latest to finish before replacing it' },
    ]);
    expect(createdText(r)).toMatch(
      /^Made again terse:latest from llama3\.2:latest on ollama once the 3 requests running on it had finished \(waited 90 s\); /,
    );
  });

  it('waits the same with no progress to tell', async () => {
    const { core } = await countedTerse([1, 0], 30_000);
    const r = await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true });
    expect(r.waited).toEqual({ ms: 30_000, requests: 1 });
  });

  it('waits up to the bound it is given, then is refused as busy, saying how long and how many', async () => {
    const { core, waits, sent } = await countedTerse([2], 45_000);
    const err = await failure(
      createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true, replaceWaitMs: 60_000 }),
    );
    expect(err.kind).toBe('busy');
    expect(err.message).toMatch(
      /^terse:latest was not replaced: after 90 s, 2 requests of other calls are still running on it on ollama, /,
    );
    expect(waits.mock.calls.map((c) => c[1])).toEqual([60_000, 15_000]); // what is left of the bound at each wait
    expect(sent()).toBe(0);
  });

  it('with a bound of 0, is refused at once: no wait, none told', async () => {
    const { core, waits, phases, progress, sent } = await countedTerse([1], 1);
    const err = await failure(
      createModel(core, {
        name: 'terse',
        from: 'llama3.2',
        system: 'Be brief.',
        replace: true,
        replaceWaitMs: 0,
        progress,
      }),
    );
    expect(err.message).toMatch(
      /^terse:latest was not replaced: after 0 s, 1 request of other calls is still running on it/,
    );
    expect(waits).not.toHaveBeenCalled();
    expect(phases.some((p) => p.kind === 'waiting')).toBe(false);
    expect(sent()).toBe(0);
  });

  it('replaces a model no request runs on at once, saying nothing of a wait', async () => {
    const { sent, core, end } = await busyTerse();
    await end();
    const r = await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true });
    expect(r.waited).toBeUndefined();
    expect(createdText(r)).toMatch(/^Made again terse:latest from llama3\.2:latest on ollama; /);
    expect(sent()).toBe(1);
  });
});
