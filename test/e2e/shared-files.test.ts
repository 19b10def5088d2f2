// The state database of a $OLLM_HOME as servers and the CLI see it: files of earlier versions
// imported, a FIFO in its place, memory exported and imported. Several server processes at once and
// servers killed mid-write, round after round: shared-files.slow.test.ts (npm run test:slow).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { run, tempHome } from '../helpers/spawn.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

/** A settings folder of its own, removed when the file ends (helpers/temp.ts). */
const home = async (): Promise<string> => tempHome();

/** A server over stdio on `home`, talking to this file's fake Ollama. */
const server = (home: string, env: Record<string, string> = {}) => stdioServer(home, fake.host, env);

describe('the state database', () => {
  it(
    "an earlier version's metrics.json and preferences.json are imported, kept as backups, and " +
      'read before the first request is answered',
    async () => {
      const h = await home();
      await writeFile(
        join(h, 'metrics.json'),
        JSON.stringify({
          version: 1,
          models: {
            'llama3.2:latest': {
              requests: 7,
              successes: 7,
              latencySumMs: 700,
              latencyCount: 7,
              lastUsed: '2026-11-01T00:00:00.000Z',
            },
          },
        }),
      );
      await writeFile(
        join(h, 'preferences.json'),
        JSON.stringify({
          version: 1,
          byProfile: { code: { model: 'qwen2.5-coder:7b', task: 'code', at: '2026-11-01T00:00:00.000Z' } },
        }),
      );
      const s = await server(h);
      try {
        const metrics = JSON.parse(
          ((await s.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
        );
        expect(metrics.models['llama3.2:latest']).toMatchObject({ requests: 7, avgLatencyMs: 100 });
        const config = JSON.parse(
          ((await s.client.readResource({ uri: 'ollm://config' })).contents[0] as { text: string }).text,
        );
        expect(config.preferences).toMatchObject({ code: { model: 'qwen2.5-coder:7b' } });
      } finally {
        await s.close();
      }
      for (const f of ['metrics.json', 'preferences.json']) {
        expect(existsSync(join(h, f)), f).toBe(false);
        expect(existsSync(join(h, `${f}.imported-backup`)), f).toBe(true);
      }
    },
  );

  it(
    'a FIFO where state.db should be: the server starts, remember says what it is and what to ' +
      'do, and generation goes on without memory',
    async () => {
      const h = await home();
      execFileSync('mkfifo', [join(h, 'state.db')]);
      const s = await server(h);
      try {
        const r = await s.client.callTool({ name: 'remember', arguments: { key: 'k', value: 'v' } });
        expect(r.isError).toBe(true);
        const text = (r.content as Array<{ text: string }>)[0]!.text;
        expect(text).toMatch(
          /state\.db is a named pipe \(FIFO\); ollm-mcp keeps its state only in a regular file there\. Move it away/,
        );
        expect(text).not.toMatch(/bug/i);
        const gen = await s.client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: 'Say hello', task: 'general' },
        });
        expect(gen.isError).toBeFalsy();
        expect((gen.structuredContent as { notes?: string[] }).notes?.[0]).toMatch(
          /^Remembered facts were not used: .*named pipe/,
        );
      } finally {
        await s.close();
      }
    },
  );

  it('memory export writes every entry as JSON; memory import adds them to another home, the newer value winning', async () => {
    const a = await home();
    const b = await home();
    const env = (h: string) => ({ OLLM_HOME: h, OLLAMA_HOST: fake.host });
    expect((await run(['memory', 'add', 'editor', 'Neovim'], env(a))).code).toBe(0);
    expect((await run(['memory', 'add', 'shell', 'fish', '--category', 'preference'], env(a))).code).toBe(0);
    const out = await run(['memory', 'export'], env(a));
    expect(out.code).toBe(0);
    const exported = JSON.parse(out.stdout) as { entries: Array<{ key: string; value: string; category: string }> };
    expect(exported.entries.map((e) => [e.key, e.value, e.category]).sort()).toEqual([
      ['editor', 'Neovim', 'fact'],
      ['shell', 'fish', 'preference'],
    ]);
    const file = join(a, 'export.json');
    expect((await run(['memory', 'export', file], env(a))).stdout).toMatch(/Wrote 2 entries/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(exported);

    await new Promise((r) => setTimeout(r, 5));
    expect((await run(['memory', 'add', 'editor', 'Helix'], env(b))).code).toBe(0); // newer than the exported one
    const imported = await run(['memory', 'import', file], env(b));
    expect(imported.stdout).toMatch(/1 added, 0 updated, 1 already up to date/);
    const list = JSON.parse((await run(['memory', 'list', '--json'], env(b))).stdout) as {
      entries: Array<{ key: string; value: string }>;
    };
    expect(Object.fromEntries(list.entries.map((e) => [e.key, e.value]))).toEqual({ editor: 'Helix', shell: 'fish' });

    await writeFile(join(b, 'bad.json'), '{"entries": "lots"');
    const bad = await run(['memory', 'import', join(b, 'bad.json')], env(b));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/as JSON|not a memory export/);
  }, 60_000); // six CLI runs and a server, one after another
});
