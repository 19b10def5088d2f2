// Several server processes on one $OLLM_HOME, as when Claude Desktop and an IDE each start one.
// It drives stdio servers itself, so it runs over stdio only. Many processes at once and servers killed
// mid-write, round after round: shared-files.slow.test.ts (npm run test:slow).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
const homes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
  await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
});

async function home(): Promise<string> {
  const h = await mkdtemp(join(tmpdir(), 'ollm-shared-e2e-'));
  homes.push(h);
  return h;
}

/** A server over stdio on `home`, talking to this file's fake Ollama. */
const server = (home: string, env: Record<string, string> = {}) => stdioServer(home, fake.host, env);

describe('shared files across server processes', () => {
  it('metrics and preferences are read before the first request is answered', async () => {
    const h = await home();
    await writeFile(join(h, 'metrics.json'), JSON.stringify({ version: 1, models: { 'llama3.2:latest': { requests: 7, successes: 7, latencySumMs: 700, latencyCount: 7, lastUsed: '2026-11-01T00:00:00.000Z' } } }));
    await writeFile(join(h, 'preferences.json'), JSON.stringify({ version: 1, byProfile: { code: { model: 'qwen2.5-coder:7b', task: 'code', at: '2026-11-01T00:00:00.000Z' } } }));
    const s = await server(h);
    try {
      const metrics = JSON.parse(((await s.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text);
      expect(metrics.models['llama3.2:latest']).toMatchObject({ requests: 7, avgLatencyMs: 100 });
      const config = JSON.parse(((await s.client.readResource({ uri: 'ollm://config' })).contents[0] as { text: string }).text);
      expect(config.preferences).toMatchObject({ code: { model: 'qwen2.5-coder:7b' } });
    } finally {
      await s.close();
    }
  });

  it('a folder where memory.json should be: remember says what to do, and generation goes on without memory', async () => {
    const h = await home();
    await mkdir(join(h, 'memory.json'));
    const s = await server(h);
    try {
      const r = await s.client.callTool({ name: 'remember', arguments: { key: 'k', value: 'v' } });
      expect(r.isError).toBe(true);
      expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/memory\.json is a folder, but ollm-mcp keeps its memory in a file of that name\. Move the folder away/);
      const gen = await s.client.callTool({ name: 'route_and_generate', arguments: { prompt: 'Say hello', task: 'general' } });
      expect(gen.isError).toBeFalsy();
      expect((gen.structuredContent as { notes?: string[] }).notes?.[0]).toMatch(/^Remembered facts were not used: .*is a folder/);
    } finally {
      await s.close();
    }
  });
});
