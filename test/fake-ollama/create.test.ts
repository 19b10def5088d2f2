/** /api/create and /api/copy of the fake Ollama, as server/create.go and routes.go answer them. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from './models.js';
import { expectResponseError, model, ndjson, post, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const show = async (url: string, name: string) =>
  (await (await post(`${url}/api/show`, { model: name })).json()) as Record<string, unknown>;
const weightsOf = (modelfile: unknown) =>
  /^FROM \/root\/\.ollama\/models\/blobs\/sha256-([0-9a-f]{64})$/m.exec(String(modelfile))?.[1];

describe('fake ollama: create', () => {
  it(
    'streams a status per layer, then writing manifest and success; the model shares its base ' +
      'weights and carries its settings',
    async () => {
      const { fake } = await start();
      const lines = await ndjson(
        await post(`${fake.url}/api/create`, {
          model: 'terse',
          from: 'llama3.2',
          system: 'Be terse.',
          parameters: { temperature: 0.2, num_ctx: 16384 },
        }),
      );
      const statuses = lines.map((l) => l['status'] as string);
      expect(statuses[0]).toMatch(/^using existing layer sha256:[0-9a-f]{64}$/);
      expect(statuses.filter((s) => s.startsWith('creating new layer sha256:'))).toHaveLength(2); // system, parameters
      expect(statuses.slice(-2)).toEqual(['writing manifest', 'success']);

      const base = await show(fake.url, 'llama3.2');
      const made = await show(fake.url, 'terse');
      expect(weightsOf(made['modelfile'])).toBe(weightsOf(base['modelfile']));
      expect(made['system']).toBe('Be terse.');
      expect(String(made['parameters']).split('\n')).toEqual(
        expect.arrayContaining([
          `${'temperature'.padEnd(30)} 0.2`,
          `${'num_ctx'.padEnd(30)} 16384`,
          `${'stop'.padEnd(30)} "<|eot_id|>"`,
        ]),
      );
      expect((made['details'] as Record<string, unknown>)['parent_model']).toBe('llama3.2:latest');
      expect(made['model_info']).toEqual(base['model_info']);
      const tags = (
        (await (await fetch(`${fake.url}/api/tags`)).json()) as { models: Array<{ name: string; size: number }> }
      ).models;
      const size = (n: string) => tags.find((t) => t.name === n)!.size;
      // the weights are shared: only small layers are new
      expect(size('terse:latest') - model('llama3.2:latest').size).toBeLessThan(1000);
    },
  );

  it('pulls a base that is not installed first, and fails on a line when the registry has none', async () => {
    const { fake } = await start();
    const lines = await ndjson(await post(`${fake.url}/api/create`, { model: 'x', from: 'nosuch:1b' }));
    expect(lines).toEqual([{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }]);
    expect(fake.installed().some((m) => m.name === 'x:latest')).toBe(false);
  });

  it('refuses an invalid name, no base, and a quantization of a quantized base, as Ollama does', async () => {
    const { fake, client } = await start();
    await expectResponseError(client.create({ model: '-bad', from: 'llama3.2' }), 400, 'invalid model name');
    await expectResponseError(client.create({ model: 'ok' }), 400, "neither 'from' or 'files' was specified");
    await expectResponseError(
      client.create({ model: 'ok', from: 'llama3.2', quantize: 'q8_0' }),
      500,
      'quantization is only supported for F16, BF16 and F32 models',
    );
    await expectResponseError(
      client.create({ model: 'ok', from: 'llama3.2', quantize: 'q3' }),
      500,
      'unsupported quantization type Q3 - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0',
    );
    expect(fake.installed().some((m) => m.name === 'ok:latest')).toBe(false);
  });

  it('quantizes an F16 base with progress in bytes, into smaller weights of their own', async () => {
    const f16 = { ...model('llama3.2:latest'), name: 'llama3.2:3b-f16', quantization: 'F16', size: 6_400_000_000 };
    const { fake } = await start({ models: [...DEFAULT_MODELS, f16] });
    const lines = await ndjson(
      await post(`${fake.url}/api/create`, { model: 'small', from: 'llama3.2:3b-f16', quantize: 'q4_K_M' }),
    );
    const quantizing = lines.filter((l) => l['status'] === 'quantizing F16 model to Q4_K_M');
    expect(quantizing.length).toBeGreaterThan(1);
    expect(quantizing.at(-1)).toMatchObject({ total: f16.size, completed: f16.size });
    const made = fake.installed().find((m) => m.name === 'small:latest')!;
    expect(made.quantization).toBe('Q4_K_M');
    expect(made.size).toBeLessThan(f16.size / 2);
  });

  it('copies a model as the same manifest; 404 for a source not installed', async () => {
    const { fake, client } = await start();
    await client.copy({ source: 'llama3.2', destination: 'mine' });
    const tags = (
      (await (await fetch(`${fake.url}/api/tags`)).json()) as { models: Array<{ name: string; digest: string }> }
    ).models;
    expect(tags.find((t) => t.name === 'mine:latest')?.digest).toBe(
      tags.find((t) => t.name === 'llama3.2:latest')?.digest,
    );
    await expectResponseError(client.copy({ source: 'nosuch', destination: 'x' }), 404, 'model "nosuch" not found');
  });
});
