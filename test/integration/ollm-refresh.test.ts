/**
 * list_models `refresh` reaches the far side (issue 61): through another ollm-mcp (a team's box, or
 * the server planning an engine, reached the same way) a refresh skipped only this server's cache
 * and got the box's own 30 s reading — a model installed there meanwhile stayed unseen. Now the
 * box is asked to refresh too; without refresh the caches still serve.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { OllmEngine } from '../../src/orchestrator/engines/ollm/ollm-engine.js';
import { Catalog } from '../../src/orchestrator/models/catalog.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { BOX_TOKEN, sharedBox, stopBox } from '../helpers/ollm-box.js';

afterAll(stopBox);

const tagsRead = (requests: ReadonlyArray<{ path: string }>) => requests.filter((r) => r.path === '/api/tags').length;

describe('list_models refresh through a kind: ollm host', () => {
  it(
    'asks the box to refresh when the caller refreshes, and leaves both caches serving otherwise',
    { timeout: 60_000 },
    async () => {
      const box = await sharedBox('Hello.');
      const engine = new OllmEngine({
        name: 'gpubox',
        url: `${box.origin}/mcp`,
        token: BOX_TOKEN,
        timeoutMs: 10_000,
        parallel: 1,
      });
      const catalog = new Catalog(engine);
      try {
        const names = async (refresh: boolean) => (await catalog.list({ refresh })).models.map((m) => m.name);
        const first = await names(false);
        expect(first).toContain(DEFAULT_MODELS[0]!.name);

        const added = { ...DEFAULT_MODELS[0]!, name: 'fresh-on-the-box:latest', digest: 'f'.repeat(64) };
        box.fake.addModel(added);
        const tagsBefore = tagsRead(box.fake.requests);
        // without refresh: this server's catalog serves, and nothing new is asked of the box's engine
        expect(await names(false)).not.toContain(added.name);
        // a fresh adapter (none of its own reading to reuse) asking without refresh: the box's own cache serves
        const other = new OllmEngine({
          name: 'gpubox',
          url: `${box.origin}/mcp`,
          token: BOX_TOKEN,
          timeoutMs: 10_000,
          parallel: 1,
        });
        try {
          expect((await other.list()).map((m) => m.name)).not.toContain(added.name);
        } finally {
          await other.box.close();
        }
        expect(tagsRead(box.fake.requests)).toBe(tagsBefore);

        // with refresh: the box reads its engine again, and the model is there
        expect(await names(true)).toContain(added.name);
        expect(tagsRead(box.fake.requests)).toBeGreaterThan(tagsBefore);
      } finally {
        await engine.box.close();
      }
    },
  );
});
