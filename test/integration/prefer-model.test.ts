import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { deleteModel } from '../../src/orchestrator/jobs/delete.js';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { preferModelTool } from '../../src/tools/prefer-model.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
let fake: FakeOllama;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await fake?.stop();
});

async function setup(): Promise<{ core: Orchestrator; client: Client }> {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 1 });
  const core = await coreFor(fake, { totalBytes: 24e9, yaml: YAML });
  const server = new McpServer({ name: 'ollm-test', version: '1' });
  preferModelTool(server, core);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ollm-test', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  close = () => client.close();
  return { core, client };
}

const text = (res: { content: unknown }) => (res.content as Array<{ text: string }>)[0]!.text;

describe('prefer_model', () => {
  it(
    'refuses an embedding model for code and a model without vision for images, naming what ' +
      'they do and the models that can',
    async () => {
      const { core, client } = await setup();
      const embed = await client.callTool({
        name: 'prefer_model',
        arguments: { model: 'nomic-embed-text', task: 'code' },
      });
      expect(embed.isError).toBe(true);
      expect(text(embed)).toMatch(
        /nomic-embed-text:latest cannot be preferred for code work: it does not suit code work — it serves embeddings only/,
      );
      expect(text(embed)).toMatch(/Installed models that can do code work: qwen2\.5-coder:7b/);
      const blind = await client.callTool({ name: 'prefer_model', arguments: { model: 'llama3.2', task: 'vision' } });
      expect(blind.isError).toBe(true);
      expect(text(blind)).toMatch(
        /llama3\.2:latest cannot be preferred for vision work: it cannot see images.*Installed models that can do vision work: llava:7b/,
      );
      expect(core.preferences.byProfile()).toEqual({});
    },
  );

  it(
    'records a general model for code work — the choice outranks the profile rule — and routing ' +
      'then gives it code work',
    async () => {
      const { core, client } = await setup();
      expect(
        (await routeAndGenerate(core, { prompt: 'Write a Go function that sums a slice.', task: 'code', dryRun: true }))
          .model,
      ).toBe('qwen2.5-coder:7b');
      const ok = await client.callTool({ name: 'prefer_model', arguments: { model: 'llama3.2', task: 'code' } });
      expect(ok.isError).toBeFalsy();
      expect(core.preferences.byProfile()).toEqual({ code: 'llama3.2:latest' });
      const r = await routeAndGenerate(core, {
        prompt: 'Write a Go function that sums a slice.',
        task: 'code',
        dryRun: true,
      });
      expect(r.model).toBe('llama3.2:latest');
      expect(r.reason).toMatch(/^llama3\.2:latest is the model you preferred for code work/);
    },
  );

  it('refuses a model that is not installed, and records one that suits', async () => {
    const { core, client } = await setup();
    const ghost = await client.callTool({ name: 'prefer_model', arguments: { model: 'ghost:7b', task: 'general' } });
    expect(ghost.isError).toBe(true);
    expect(text(ghost)).toMatch(/"ghost:7b" is not installed\. Pull it with `ollama pull ghost:7b` first/);
    const ok = await client.callTool({
      name: 'prefer_model',
      arguments: { model: 'qwen2.5-coder:7b', task: 'debugging' },
    });
    expect(ok.isError).toBeFalsy();
    expect(ok.structuredContent).toEqual({ model: 'qwen2.5-coder:7b', task: 'debugging', profile: 'code' });
    expect(core.preferences.byProfile()).toEqual({ code: 'qwen2.5-coder:7b' });
  });

  it('a preferred model deleted later is passed over, and the routing reason says so', async () => {
    const { core, client } = await setup();
    const ok = await client.callTool({ name: 'prefer_model', arguments: { model: 'phi3:mini', task: 'general' } });
    expect(ok.isError).toBeFalsy();
    expect((await routeAndGenerate(core, { prompt: 'Tell me about the moon', task: 'general' })).model).toBe(
      'phi3:mini',
    );
    await deleteModel(core, { model: 'phi3:mini' });
    const after = await routeAndGenerate(core, { prompt: 'Tell me about the moon', task: 'general' });
    expect(after.model).not.toBe('phi3:mini');
    expect(after.reason).toMatch(
      /; the model you preferred for general work, phi3:mini, was passed over: it is not installed anymore/,
    );
  });
});
