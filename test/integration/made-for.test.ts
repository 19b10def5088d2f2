/** The models made for a kind of work (stores/made-for.ts), kept in the state database and read back checked. */
import { join } from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { MadeFor } from '../../src/orchestrator/stores/made-for.js';
import { tempDir } from '../helpers/temp.js';

const at = '2025-01-01T00:00:00.000Z';

describe('made-for store', () => {
  it('keeps an entry per model and host across processes, by Ollama name identity; remove forgets it', async () => {
    const home = tempDir('ollm-made-');
    const a = new MadeFor(home);
    await a.set({ model: 'terse:latest', host: 'ollama', task: 'summarize', from: 'llama3.1:8b', at });
    await a.set({ model: 'terse:latest', host: 'box', task: 'code', from: 'qwen:7b', at });
    // made again: replaced
    await a.set({ model: 'terse:latest', host: 'ollama', task: 'fast', from: 'llama3.1:8b', at });
    const b = new MadeFor(home);
    await b.load();
    expect(b.all()).toHaveLength(2);
    expect(b.of('ollama', 'TERSE')?.task).toBe('fast');
    expect(b.of('box', 'terse:latest')?.task).toBe('code');
    expect(b.of('elsewhere', 'terse')).toBeUndefined();
    await b.remove('ollama', 'terse');
    await a.load();
    expect(a.all().map((e) => e.host)).toEqual(['box']);
  });

  it('leaves out stored entries that are not its own (an edited or damaged document)', async () => {
    const home = tempDir('ollm-made-');
    const s = new MadeFor(home);
    await s.set({ model: 'ok:latest', host: 'ollama', task: 'code', from: 'b', at });
    const db = new Database(join(home, 'state.db'));
    const entries = [
      { model: 'ok:latest', host: 'ollama', task: 'code', from: 'b', at },
      { model: 'x', host: 'ollama', task: 'dancing', from: 'b', at },
      { model: 7, host: 'ollama', task: 'code', from: 'b', at },
      { model: 'y'.repeat(501), host: 'ollama', task: 'code', from: 'b', at },
      'junk',
    ];
    db.prepare('UPDATE documents SET json = ? WHERE name = ?').run(JSON.stringify({ version: 1, entries }), 'made-for');
    db.close();
    const t = new MadeFor(home);
    await t.load();
    expect(t.all()).toEqual([{ model: 'ok:latest', host: 'ollama', task: 'code', from: 'b', at }]);
  });
});
