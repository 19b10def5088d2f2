// The first call of a starting server waits for the core to load (server/listed-entries.ts): a
// call that asked for progress hears so while it waits — within a quarter second and every second
// after — so a client whose timeout is reset by progress keeps waiting however long the load takes;
// once the core is there, nothing extra is sent.
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/orchestrator/config/load.js';
import { TemplateLibrary } from '../../src/orchestrator/templates/library.js';
import { builtCatalog, type Catalog } from '../../src/server/catalog.js';
import { recordCatalog, type Core } from '../../src/server/core.js';
import { createServerFactory, type Front } from '../../src/server/create-server.js';
import { tempDir } from '../helpers/temp.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
});

/** A front whose core takes `loadMs` to load and answers `recall` at once. */
async function serverWithSlowCore(loadMs: number) {
  const home = tempDir('ollm-core-wait-');
  const { settings, templatesDir } = await loadConfig({ env: { OLLM_HOME: home } });
  const catalog: Catalog = builtCatalog() ?? recordCatalog();
  const answer = { content: [{ type: 'text' as const, text: 'nothing remembered' }], structuredContent: {} };
  const core = {
    handlers: () => ({
      tools: new Map([['recall', { config: {}, handler: async () => answer }]]),
      resources: new Map(),
    }),
  } as unknown as Core;
  let made: Promise<Core> | undefined;
  const front: Front = {
    settings,
    project: undefined,
    templates: new TemplateLibrary(templatesDir, home),
    skills: undefined,
    core: () => (made ??= new Promise((r) => setTimeout(() => r(core), loadMs))),
  };
  const server = createServerFactory(front, catalog)();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'core-wait', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  close = () => client.close();
  return client;
}

describe('a call waiting for the core to load', () => {
  it(
    'with a progressToken: progress within a quarter second and every second, rising, until the ' +
      'answer; none once the core is there',
    async () => {
      const client = await serverWithSlowCore(3600); // more than twice the client's 1.5 s timeout
      const seen: Array<{ progress: number; message?: string }> = [];
      const res = await client.callTool(
        { name: 'recall', arguments: { query: 'x' } },
        { timeout: 1500, resetTimeoutOnProgress: true, onprogress: (p) => seen.push(p) },
      );
      expect(res.isError).toBeFalsy();
      expect(seen.length).toBeGreaterThanOrEqual(3); // 0.25 s, 1 s, 2 s
      expect(seen.every((p) => p.message === 'starting ollm-mcp')).toBe(true);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
      expect(seen.at(-1)!.progress).toBeLessThan(0.001); // below the call's own first step
      const again: unknown[] = [];
      await client.callTool({ name: 'recall', arguments: { query: 'x' } }, { onprogress: (p) => again.push(p) });
      await new Promise((r) => setTimeout(r, 400));
      expect(again).toEqual([]);
    },
  );

  it('without a progressToken: nothing is sent while it waits', async () => {
    const client = await serverWithSlowCore(700);
    const notes: unknown[] = [];
    client.fallbackNotificationHandler = async (n) => void notes.push(n);
    expect((await client.callTool({ name: 'recall', arguments: { query: 'x' } })).isError).toBeFalsy();
    expect(notes).toEqual([]);
  });
});
