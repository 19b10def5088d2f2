/**
 * create_model replacing a model that a generation is running on (issue 55, finding 8): Ollama
 * remakes a model under the requests using it (server/create.go writes the new manifest; the
 * scheduler keeps the runner, so the next request runs the new model), so the replace waits for
 * them to finish — then replaces, saying it waited — and is refused, nothing sent, when they still
 * run after the bound, or cancelled while it waits. A model no request runs on is replaced at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import { createModel } from '../../src/orchestrator/jobs/create.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';
import { createdText } from '../../src/tools/create-model.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const generates = (fake: FakeOllama) => fake.requests.filter((r) => r.path === '/api/generate' && (r.body as { prompt?: unknown } | undefined)?.prompt !== '').length;
const creates = (fake: FakeOllama) => fake.requests.filter((r) => r.path === '/api/create').length;
const failure = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as HostError;

/** A core over a fake Ollama with `terse` made from llama3.2, and a generation on it held at the engine until its call is cancelled. */
async function busyTerse() {
  const fake = await FakeOllama.start({ pullChunkDelayMs: 1, tokenDelayMs: 0 });
  const core = await coreFor(fake);
  stops.push(() => fake.stop(), () => core.shutdown(200));
  await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be terse.' });
  await routeAndGenerate(core, { prompt: 'Warm up.', model: 'terse' }); // loaded: the held call below waits at the engine only
  const before = generates(fake);
  fake.setLatency('/api/generate', 600_000);
  const stop = new AbortController();
  const running = routeAndGenerate(core, { prompt: 'Say hi.', model: 'terse', signal: stop.signal }).catch((e: unknown) => e);
  await expect.poll(() => generates(fake)).toBe(before + 1);
  const loader = core.hosts[0]!.loader;
  expect(loader.requestsOn('terse')).toBe(1);
  const made = creates(fake);
  /** The creates sent since the model was made. */
  const sent = () => creates(fake) - made;
  return { fake, core, loader, sent, end: async () => (stop.abort(), await running) };
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
    const replacing = createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true, progress: { enter: (p) => phases.push(p) } });
    await expect.poll(() => phases.some((p) => p.kind === 'waiting')).toBe(true);
    expect(phases.find((p) => p.kind === 'waiting')).toEqual({ kind: 'waiting', for: 'the 1 request running on terse:latest to finish before replacing it' });
    expect(sent()).toBe(0); // not under the request
    await end();
    const r = await replacing;
    expect(runningWhenSent).toBe(0);
    expect(r).toMatchObject({ name: 'terse:latest', status: 'replaced', waited: { requests: 1 } });
    expect(createdText(r)).toMatch(/^Made again terse:latest from llama3\.2:latest on ollama once the request running on it had finished \(waited \d+ s\); /);
    expect((await core.backend.show('terse:latest')).system).toBe('Be brief.');
  });

  it('is refused, nothing sent, when the requests still run after the bound: the error names the model, how many run and what to do', async () => {
    const { sent, core, end } = await busyTerse();
    const err = await failure(createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true, replaceWaitMs: 0 }));
    expect(err).toBeInstanceOf(HostError);
    expect(err.message).toMatch(/^terse:latest was not replaced: after 0 s, 1 request of other calls is still running on it on ollama, .*Run create_model again once they finish/);
    expect(sent()).toBe(0);
    await end();
    expect((await core.backend.show('terse:latest')).system).toBe('Be terse.');
  });

  it('a cancel while waiting ends the call, nothing replaced', async () => {
    const { sent, core, end } = await busyTerse();
    const stop = new AbortController();
    const phases: Phase[] = [];
    const replacing = failure(createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true, signal: stop.signal, progress: { enter: (p) => phases.push(p) } }));
    await expect.poll(() => phases.some((p) => p.kind === 'waiting')).toBe(true);
    stop.abort();
    const err = await replacing;
    expect(err.kind).toBe('aborted');
    expect(err.message).toContain('terse:latest was not replaced');
    expect(sent()).toBe(0);
    await end();
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
