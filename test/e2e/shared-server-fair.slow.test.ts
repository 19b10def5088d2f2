// Fair between clients (issue 43, item 2), end to end: two stdio launches share one server; while
// client A offloads a long log in parts on qwen2.5:14b, client B's quick calls are answered by
// phi3:mini, which fits beside it in free memory — and finish before A's job does. Before, B's
// first call queued behind A's parts on the 14B model.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { tempHome } from '../helpers/spawn.js';
import { runtimeDir, sharedLaunch, sharedPids, stopShared, type SharedLaunch } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';
import { FAIR_YAML, PART_ANSWER, fairModels, longLog } from '../helpers/fair.js';

let fake: FakeOllama;
const launches: SharedLaunch[] = [];
const runtime = runtimeDir();
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 2, models: fairModels(40) });
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '')
      ? 'FINAL'
      : /French/.test(ctx.prompt ?? '')
        ? 'Bonjour !'
        : PART_ANSWER,
  );
});
afterAll(async () => {
  await Promise.all(launches.splice(0).map((l) => l.close()));
  stopShared(runtime);
  await fake?.stop();
});

const call = async (l: SharedLaunch, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name: 'route_and_generate', arguments: args });
  return {
    isError: res.isError === true,
    out: res.structuredContent as { model: string; reason: string; split?: { parts: number } },
    text: (res.content as Array<{ text: string }>)[0]!.text,
  };
};

describe('one shared server, two clients', () => {
  it(
    "client B's quick calls are answered by the small model and finish before client A's split job",
    { timeout: 90_000 },
    async () => {
      const home = tempHome(FAIR_YAML);
      const folder = tempDir('ollm-fair-');
      writeFileSync(join(folder, 'app.log'), longLog());
      const a = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: folder, name: 'client-a' });
      launches.push(a);
      const b = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: folder, name: 'client-b' });
      launches.push(b);
      expect(sharedPids(runtime)).toHaveLength(1);

      const order: string[] = [];
      const job = call(a, {
        prompt: 'Which errors occurred in this log?',
        files: ['app.log'],
        model: 'qwen2.5:14b',
        useMemory: false,
      }).then((r) => (order.push('A: split job'), r));
      // A's first part has reached the 14B model: its slot is taken
      await vi.waitFor(() => expect(fake.generations().some((g) => g.model === 'qwen2.5:14b')).toBe(true), {
        timeout: 60_000,
        interval: 10,
      });
      const quick = [];
      for (let k = 0; k < 3; k++) {
        const r = await call(b, { prompt: `Say hello in French (${k + 1}).`, task: 'fast', useMemory: false });
        order.push(`B: quick call ${k + 1}`);
        quick.push(r);
      }
      const done = await job;
      expect(quick.map((r) => r.isError)).toEqual([false, false, false]);
      expect(quick.map((r) => r.out.model)).toEqual(['phi3:mini', 'phi3:mini', 'phi3:mini']);
      expect(quick[0]!.out.reason).toMatch(/answers sooner than qwen2\.5:14b, its slot is answering 1 request/);
      expect(done.isError, done.text).toBe(false);
      expect(done.out.model).toBe('qwen2.5:14b');
      expect(done.out.split!.parts).toBeGreaterThan(1);
      expect(order).toEqual(['B: quick call 1', 'B: quick call 2', 'B: quick call 3', 'A: split job']);
      // the small model loaded beside the big one: nothing unloaded or evicted
      expect(fake.stats().unloads).toBe(0);
      expect(fake.stats().forcedEvictions).toEqual([]);
    },
  );
});
