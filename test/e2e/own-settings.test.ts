/**
 * A model's own settings win over ollm-mcp's defaults, end to end (issue 45, item 1): a model made
 * with a Modelfile (`FROM llama3.1:8b`, `PARAMETER temperature 0.2`, `PARAMETER num_ctx 16384`,
 * `PARAMETER num_predict 300`, a `SYSTEM` line) runs with its own temperature, window, answer
 * limit and system prompt unless the caller says otherwise; ollm-mcp's additions to the system
 * prompt (how to cite inputs) follow the model's own instead of replacing it; list_models and
 * show_model say what it carries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import type { FakeModel } from '../fake-ollama/models.js';
import { connect, tempHome } from '../helpers/spawn.js';

const BASE = NAMESPACED_MODELS[0]!; // llama3.1:8b
const OWN_SYSTEM = 'You answer in one short sentence.';
/**
 * As `ollama create terse` makes it: the base's weights (same digest and size), its own parameters and system
 * prompt.
 */
const TERSE: FakeModel = {
  ...BASE,
  name: 'terse:latest',
  digest: 'c0ffee'.padEnd(64, '0'),
  made: {
    parentModel: 'llama3.1:8b',
    weightsDigest: BASE.digest!,
    weightsSize: BASE.size,
    basename: 'llama3.1',
    parameters: {
      stop: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
      temperature: 0.2,
      num_ctx: 16384,
      num_predict: 300,
    },
    system: OWN_SYSTEM,
  },
};

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;
let project: string;

async function call(name: string, args: Record<string, unknown>) {
  const res = await session.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
}

/** The body of the last /api/generate request. */
function lastGenerate(): { options: Record<string, unknown>; system?: string } {
  const r = fake.requests
    .filter(
      (x) =>
        x.path === '/api/generate' &&
        typeof (x.body as { prompt?: unknown }).prompt === 'string' &&
        (x.body as { prompt: string }).prompt !== '',
    )
    .at(-1);
  return r!.body as { options: Record<string, unknown>; system?: string };
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'ollm-own-'));
  writeFileSync(join(project, 'notes.txt'), 'The build failed on Tuesday.\nThe cache was cold.\n');
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models: [...DEFAULT_MODELS, BASE, TERSE] });
  session = await connect(
    { OLLM_HOME: tempHome('ram:\n  budget: 24GB\n  bufferBytes: 0\n'), OLLAMA_HOST: fake.host },
    [],
    project,
  );
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
  rmSync(project, { recursive: true, force: true });
});
beforeEach(() => fake.reply('Because of Rayleigh scattering.'));

describe("a model's own settings", () => {
  it('runs with its own temperature, window, answer limit and system prompt when the caller sets none', async () => {
    const r = await call('route_and_generate', { prompt: 'Why is the sky blue?', model: 'terse', useMemory: false });
    expect(r.isError, r.text).toBe(false);
    const body = lastGenerate();
    expect(body.options).not.toHaveProperty('temperature');
    expect(body.options).not.toHaveProperty('top_p');
    expect(body.options['num_ctx']).toBe(16384);
    expect(body.options['num_predict']).toBe(300);
    expect(body).not.toHaveProperty('system');
    expect(fake.generations().at(-1)!.systemUsed).toBe(OWN_SYSTEM);
  });

  it("the caller's values win over the model's own", async () => {
    const r = await call('route_and_generate', {
      prompt: 'Why is the sky blue?',
      model: 'terse',
      temperature: 0.9,
      maxTokens: 50,
      system: 'Explain at length.',
      useMemory: false,
    });
    expect(r.isError, r.text).toBe(false);
    const body = lastGenerate();
    expect(body.options['temperature']).toBe(0.9);
    expect(body.options['num_predict']).toBe(50);
    expect(body.system).toBe('Explain at length.');
  });

  it("ollm-mcp's own additions to the system prompt follow the model's, never replace it", async () => {
    fake.reply('The build failed on Tuesday [notes.txt:1].');
    const r = await call('route_and_generate', {
      prompt: 'When did the build fail?',
      model: 'terse',
      files: ['notes.txt'],
      useMemory: false,
    });
    expect(r.isError, r.text).toBe(false);
    const system = lastGenerate().system ?? '';
    expect(system.startsWith(`${OWN_SYSTEM}\n\n`)).toBe(true);
    expect(system.length).toBeGreaterThan(OWN_SYSTEM.length + 20);
  });

  it('a model without settings of its own gets no sampling option it did not ask for', async () => {
    const r = await call('route_and_generate', {
      prompt: 'Why is the sky blue?',
      model: 'llama3.1:8b',
      useMemory: false,
    });
    expect(r.isError, r.text).toBe(false);
    const body = lastGenerate();
    expect(body.options).not.toHaveProperty('temperature');
    expect(body.options).not.toHaveProperty('top_p');
    expect(body.options['num_predict']).toBe(4096);
  });

  it('list_models and show_model say what a model carries', async () => {
    const list = await call('list_models', {});
    const line = list.text.split('\n').find((l) => l.startsWith('- terse:latest'));
    expect(line).toContain('its own settings: temperature 0.2, num_ctx 16384, num_predict 300, system prompt');
    expect(list.text.split('\n').find((l) => l.startsWith('- llama3.1:8b'))).not.toContain('its own settings');
    const models = list.out['models'] as Array<{ name: string; settings?: string; own?: unknown }>;
    expect(models.find((m) => m.name === 'terse:latest')!.settings).toBe(
      'temperature 0.2, num_ctx 16384, num_predict 300, system prompt',
    );
    expect(models.find((m) => m.name === 'terse:latest')).not.toHaveProperty('own');

    const card = await call('show_model', { model: 'terse' });
    expect(card.isError, card.text).toBe(false);
    expect(card.text).toContain(
      `Its own settings (used unless you or the settings say otherwise): temperature 0.2, num_ctx ` +
        `16384, num_predict 300; its system prompt: "${OWN_SYSTEM}".`,
    );
    expect(card.out['own']).toMatchObject({
      parameters: { temperature: 0.2, num_ctx: 16384, num_predict: 300 },
      system: OWN_SYSTEM,
    });
  });
});
