import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

type Session = Awaited<ReturnType<typeof connect>>;
const call = async (s: Session, name: string, args: Record<string, unknown>) => {
  const res = await s.client.callTool({ name, arguments: args });
  return {
    ...res,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};

describe('memory across sessions', () => {
  it(
    'a fact remembered in one session is recalled in the next and follows a later generation’s ' +
      'prompt within the budget (never in its system prompt)',
    async () => {
      const home = tempHome('memory:\n  promptBudgetTokens: 60\n');
      const env = { OLLM_HOME: home, OLLAMA_HOST: fake.host };
      const first = await connect(env);
      const saved = await call(first, 'remember', {
        key: 'Deploy target',
        value: 'The app deploys to Fly.io with flyctl',
        category: 'context',
      });
      expect(saved.isError).toBeFalsy();
      expect(saved.out).toMatchObject({ action: 'created', key: 'Deploy target', category: 'context', source: 'llm' });
      expect(saved.text).toMatch(/^Remembered "Deploy target"/);
      for (let i = 0; i < 30; i++)
        await call(first, 'remember', { key: `unrelated ${i}`, value: `filler fact number ${i} about gardening` });
      await first.close();

      const second = await connect(env);
      const recalled = await call(second, 'recall', { key: 'deploy target' });
      expect(recalled.out).toMatchObject({
        mode: 'key',
        total: 31,
        entries: [{ key: 'Deploy target', value: 'The app deploys to Fly.io with flyctl', accessCount: 1 }],
      });
      const searched = await call(second, 'recall', { query: 'where does it deploy?' });
      expect((searched.out.entries as Array<{ key: string }>)[0]!.key).toBe('Deploy target');

      fake.resetStats();
      const before = fake.requests.length;
      const gen = await call(second, 'route_and_generate', {
        prompt: 'Write the deploy steps for the app',
        task: 'general',
      });
      expect(gen.isError).toBeFalsy();
      const sent = fake.requests
        .slice(before)
        .filter((r) => r.path === '/api/generate' && (r.body as { prompt?: string }).prompt);
      const body = sent.at(-1)!.body as { system?: string; prompt: string };
      expect(body.system ?? '').not.toContain('Deploy target');
      // the question first, the facts chosen for it after
      expect(body.prompt.startsWith('Write the deploy steps for the app\n\n')).toBe(true);
      const facts = body.prompt.slice('Write the deploy steps for the app\n\n'.length);
      expect(facts).toContain('- Deploy target: The app deploys to Fly.io with flyctl');
      expect(Math.ceil(facts.length / 4)).toBeLessThanOrEqual(60 + 5); // the budget, not all 31 entries
      expect(facts.split('\n').length).toBeLessThan(10);

      const without = fake.requests.length;
      await call(second, 'route_and_generate', {
        prompt: 'Write the deploy steps for the app',
        task: 'general',
        useMemory: false,
      });
      const plain = fake.requests
        .slice(without)
        .filter((r) => r.path === '/api/generate' && (r.body as { prompt?: string }).prompt);
      expect((plain.at(-1)!.body as { system?: string }).system ?? '').not.toContain('Deploy target');
      expect((plain.at(-1)!.body as { prompt: string }).prompt).toBe('Write the deploy steps for the app');

      const resource = await second.client.readResource({ uri: 'ollm://memory' });
      const data = JSON.parse((resource.contents[0] as { text: string }).text) as { count: number; file: string };
      expect(data).toMatchObject({ count: 31, file: join(home, 'state.db') });

      const forgot = await call(second, 'forget', { key: 'DEPLOY TARGET' });
      expect(forgot.out).toEqual({ removed: 1, keys: ['Deploy target'] });
      const bad = await call(second, 'forget', {});
      expect(bad.isError).toBe(true);
      expect(bad.text).toMatch(/Say what to forget: key .* or all: true/);
      await second.close();
    },
    60_000,
  ); // three server processes one after another

  it('two server processes writing at once lose nothing (200 entries each)', async () => {
    const home = tempHome();
    const env = { OLLM_HOME: home, OLLAMA_HOST: fake.host };
    const [a, b] = await Promise.all([connect(env), connect(env)]);
    const write = async (s: Session, who: string) => {
      for (let batch = 0; batch < 20; batch++) {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            call(s, 'remember', { key: `${who} ${batch * 10 + i}`, value: `written by ${who}` }),
          ),
        );
        for (const r of results) expect(r.isError, r.text).toBeFalsy();
      }
    };
    await Promise.all([write(a, 'alpha'), write(b, 'beta')]);
    await Promise.all([a.close(), b.close()]);
    const db = new Database(join(home, 'state.db'), { readonly: true }); // read as the next process would
    let entries: Array<{ key: string; value: string }>;
    try {
      entries = db.prepare('SELECT key, value FROM memory').all() as typeof entries;
    } finally {
      db.close();
    }
    expect(entries).toHaveLength(400);
    expect(new Set(entries.map((e) => e.key)).size).toBe(400);
    expect(entries.filter((e) => e.value === 'written by alpha')).toHaveLength(200);
  }, 60_000);
});

describe('memory from the command line', () => {
  it('add, list, forget and clear, as the user', async () => {
    const env = { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host };
    const added = await run(['memory', 'add', 'editor', 'Neovim with LazyVim', '--category', 'preference'], env);
    expect(added).toMatchObject({ code: 0, stdout: 'Remembered "editor" (preference).\n' });
    const listed = await run(['memory', 'list'], env);
    expect(listed.stdout).toMatch(
      /1 entry in .*state\.db:\n {2}editor — Neovim with LazyVim\n {6}preference, from user/,
    );
    const json = await run(['memory', 'list', '--json'], env);
    expect(JSON.parse(json.stdout).entries[0]).toMatchObject({ key: 'editor', source: 'user' });
    expect(await run(['memory', 'forget', 'nothing'], env)).toMatchObject({ code: 1 });
    expect((await run(['memory', 'forget', 'editor'], env)).stdout).toBe('Forgot "editor".\n');
    expect((await run(['memory', 'clear'], env)).stdout).toBe('The memory was already empty.\n');
    const wrong = await run(['memory', 'add', 'k', 'v', '--category', 'mood'], env);
    expect(wrong).toMatchObject({ code: 1 });
    expect(wrong.stderr).toMatch(/--category must be one of fact, preference, context/);
    const usage = await run(['memory', 'add', 'only-key'], env);
    expect(usage).toMatchObject({ code: 2 });
    expect(usage.stderr).toMatch(/Usage: ollm-mcp memory add KEY VALUE/);
  });
});
