// A made model shares its base's weights file, and Ollama its runner (sched.go keys runners by
// ModelPath): with the base loaded, the made model runs on that runner when its options match, or
// reloads it — its memory planned as the base's, never as a second model beside it (issue 45, item 3).
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import type { FakeModel } from '../fake-ollama/models.js';
import { coreFor } from '../helpers/core.js';

const BASE = NAMESPACED_MODELS[0]!; // llama3.1:8b, 4.9 GB
const made = (name: string, parameters: Record<string, unknown>): FakeModel => ({
  ...BASE,
  name,
  digest: Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64),
  size: BASE.size + 1525,
  made: {
    parentModel: 'llama3.1:8b',
    weightsDigest: BASE.digest!,
    weightsSize: BASE.size,
    basename: 'llama3.1',
    parameters,
    system: 'Be terse.',
  },
});
const SAME = made('terse:latest', { stop: ['<|eot_id|>'] });
const WIDER = made('wide:latest', { stop: ['<|eot_id|>'], num_ctx: 16384 });

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

// Room for the base and the small models, not for a second copy of the base beside them.
const YAML = 'ram:\n  budget: 11GB\n  bufferBytes: 0\n  safetyMargin: 0.1\n';

describe('a made model on its base’s runner', () => {
  it('with the base loaded and the same options: answered on the base’s runner, nothing unloaded', async () => {
    fake = await FakeOllama.start({ memoryBytes: 16e9, tokenDelayMs: 0, models: [...DEFAULT_MODELS, BASE, SAME] });
    const core = await coreFor(fake, { yaml: YAML, totalBytes: 16e9 });
    await smartLoad(core, { model: 'llama3.2' });
    await smartLoad(core, { model: 'llama3.1:8b' });
    fake.reply('Short.');
    const r = await routeAndGenerate(core, { prompt: 'Why is the sky blue?', model: 'terse', useMemory: false });
    expect(r.model).toBe('terse:latest');
    const stats = fake.stats();
    expect(stats.unloads).toBe(0);
    expect(stats.forcedEvictions).toEqual([]);
    expect(fake.loadCount('terse:latest') + fake.loadCount('llama3.1:8b')).toBe(1);
  });

  it(
    'with the base loaded at a smaller window: the made model’s own window reloads the runner — ' +
      'the base’s memory is reused, nothing else unloaded',
    async () => {
      fake = await FakeOllama.start({ memoryBytes: 16e9, tokenDelayMs: 0, models: [...DEFAULT_MODELS, BASE, WIDER] });
      const core = await coreFor(fake, { yaml: YAML, totalBytes: 16e9 });
      await smartLoad(core, { model: 'llama3.2' });
      await smartLoad(core, { model: 'llama3.1:8b' });
      fake.reply('Short.');
      const r = await routeAndGenerate(core, { prompt: 'Why is the sky blue?', model: 'wide', useMemory: false });
      expect(r.model).toBe('wide:latest');
      const ps = (await (await fetch(`${fake.url}/api/ps`)).json()) as {
        models: Array<{ name: string; context_length: number }>;
      };
      expect(ps.models.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'wide:latest']);
      expect(ps.models.find((m) => m.name === 'wide:latest')!.context_length).toBe(16384);
      const stats = fake.stats();
      expect(stats.unloads).toBe(0); // llama3.2 stays: the reload took the base's place
      expect(stats.forcedEvictions).toEqual([]);
    },
  );
});
