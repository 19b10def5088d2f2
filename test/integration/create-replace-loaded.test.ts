/**
 * create_model replacing a model its engine holds loaded (issue 72, finding 7a): other clients may
 * be generating with it, which this server cannot count, so the result says what happens. Ollama
 * keys its runners by the weights file: with the same weights the loaded model stays and the next
 * requests run the new version on it; with new weights (quantize, another base) the old runner
 * would stay listed under the model's name while Ollama loads the new one unplanned, so the old
 * weights are unloaded before the new version is made — a pin kept. A model not loaded is replaced
 * saying nothing of it, and one whose weights stay is not unloaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createModel } from '../../src/orchestrator/jobs/create.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { createdText } from '../../src/tools/create-model.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** A core over a fake Ollama with an F16 base besides the defaults. */
async function setup() {
  const f16 = {
    ...DEFAULT_MODELS.find((m) => m.name === 'llama3.2:latest')!,
    name: 'llama3.2:3b-f16',
    quantization: 'F16',
  };
  const fake = await FakeOllama.start({ pullChunkDelayMs: 1, tokenDelayMs: 0, models: [...DEFAULT_MODELS, f16] });
  const core = await coreFor(fake);
  stops.push(
    () => fake.stop(),
    () => core.shutdown(200),
  );
  const loaded = async () => (await core.hosts[0]!.engine.ps()).map((r) => r.name);
  /** The unloads sent (generate with keep_alive 0) since `from` requests. */
  const unloads = (from = 0) =>
    fake.requests
      .slice(from)
      .filter((r) => r.path === '/api/generate' && (r.body as { keep_alive?: unknown } | undefined)?.keep_alive === 0)
      .length;
  return { fake, core, loaded, unloads };
}

describe('create_model replacing a model its engine holds loaded', () => {
  it(
    'the same weights (a new system prompt): the model stays loaded, not unloaded, and the line ' +
      'says the next requests run the new version',
    async () => {
      const { fake, core, loaded, unloads } = await setup();
      await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be terse.' });
      await routeAndGenerate(core, { prompt: 'Warm up.', model: 'terse' });
      expect(await loaded()).toContain('terse:latest');
      const before = fake.requests.length;
      const r = await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be brief.', replace: true });
      expect(r).toMatchObject({ status: 'replaced', loaded: { weights: 'same' } });
      expect(createdText(r)).toBe(
        'Made again terse:latest from llama3.2:latest on ollama; it was loaded there and stays so: ' +
          'requests already running on it finish as they began, the next ones run the new version; ' +
          'route_and_generate {model: "terse:latest"} uses it.',
      );
      expect(unloads(before)).toBe(0);
      expect(await loaded()).toContain('terse:latest');
      expect((await core.backend.show('terse:latest')).system).toBe('Be brief.');
    },
  );

  it(
    'new weights (quantized): the old ones are unloaded before the new version is made, a pin ' +
      'kept; the next call loads the new ones',
    async () => {
      const { fake, core, loaded, unloads } = await setup();
      await createModel(core, { name: 'small', from: 'llama3.2:3b-f16' });
      await routeAndGenerate(core, { prompt: 'Warm up.', model: 'small' });
      const oldSize = (await core.hosts[0]!.engine.ps()).find((m) => m.name === 'small:latest')!.size;
      core.hosts[0]!.loader.pins.add('small:latest');
      const before = fake.requests.length;
      let loadedWhenMade: string[] = [];
      const push = fake.requests.push.bind(fake.requests);
      fake.requests.push = (...rs) => {
        if (rs.some((x) => x.path === '/api/create')) void loaded().then((l) => (loadedWhenMade = l));
        return push(...rs);
      };
      const r = await createModel(core, { name: 'small', from: 'llama3.2:3b-f16', quantize: 'q8_0', replace: true });
      expect(r).toMatchObject({ status: 'replaced', loaded: { weights: 'new', unloaded: true } });
      expect(createdText(r)).toContain(
        'on ollama; its old weights, loaded there, were unloaded: the next call loads the new ones; route_and_generate',
      );
      expect(unloads(before)).toBe(1);
      expect(loadedWhenMade).not.toContain('small:latest');
      expect(core.hosts[0]!.loader.pins.has('small:latest')).toBe(true);
      await routeAndGenerate(core, { prompt: 'Hi.', model: 'small' });
      expect((await core.hosts[0]!.engine.ps()).find((m) => m.name === 'small:latest')!.size).toBeLessThan(oldSize);
    },
  );

  it('new weights (another base): the old ones are unloaded too', async () => {
    const { core, loaded } = await setup();
    await createModel(core, { name: 'terse', from: 'llama3.2', system: 'Be terse.' });
    await routeAndGenerate(core, { prompt: 'Warm up.', model: 'terse' });
    const r = await createModel(core, { name: 'terse', from: 'phi3:mini', system: 'Be terse.', replace: true });
    expect(r.loaded).toEqual({ weights: 'new', unloaded: true });
    expect(await loaded()).not.toContain('terse:latest');
  });

  it('a model not loaded is replaced saying nothing of it, nothing unloaded', async () => {
    const { fake, core, unloads } = await setup();
    await createModel(core, { name: 'small', from: 'llama3.2:3b-f16' });
    const before = fake.requests.length;
    const r = await createModel(core, { name: 'small', from: 'llama3.2:3b-f16', quantize: 'q8_0', replace: true });
    expect(r.loaded).toBeUndefined();
    expect(createdText(r)).toBe(
      'Made again small:latest from llama3.2:3b-f16 on ollama; route_and_generate {model: "small:latest"} uses it.',
    );
    expect(unloads(before)).toBe(0);
  });
});
