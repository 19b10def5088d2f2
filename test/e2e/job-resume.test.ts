// A job cut by its server's end resumes from its parts (issue 56, item 5), as a client sees it: a
// log read in parts is handed over before the client's limit (2 s: agents.resumer.timeoutSeconds);
// the shared server is killed once some parts are kept in the state database; the same call again
// — served by the next shared server — runs as a new job that takes up the kept parts: the engine
// is never asked a kept part again, and the whole answer comes through the new job.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { FAIR_YAML, fairModels, longLog } from '../helpers/fair.js';
import { tempHome } from '../helpers/spawn.js';
import { runtimeDir, servedBy, sharedLaunch, stopShared, type SharedLaunch } from '../helpers/shared.js';

const YAML = `${FAIR_YAML}agents:\n  resumer:\n    timeoutSeconds: 2\n`;

let fake: FakeOllama;
const launches: SharedLaunch[] = [];
const runtimes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1, models: fairModels(60) });
  // a part's answer names its part; each takes ~1 s (16 tokens at 60 ms)
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '')
      ? 'FINAL answer'
      : `partial ${/Part (\d+) of/.exec(ctx.prompt ?? '')?.[1]} ${'x '.repeat(15)}`,
  );
});
afterEach(async () => {
  await Promise.all(launches.splice(0).map((l) => l.close()));
  for (const r of runtimes.splice(0)) stopShared(r);
});
afterAll(async () => {
  await fake?.stop();
});

/** The parts of `id` the state database keeps (what a server that is killed leaves behind). */
function keptParts(home: string, id: string): string[] {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT parts FROM jobs WHERE id = ?').get(id) as { parts: string | null } | undefined;
    return row?.parts
      ? (JSON.parse(row.parts) as Array<{ text?: string }>).flatMap((p) => (p.text === undefined ? [] : [p.text]))
      : [];
  } finally {
    db.close();
  }
}

const partAsked = () =>
  fake
    .generations()
    .map((g) => /Part (\d+) of/.exec(g.prompt ?? '')?.[1])
    .filter((n): n is string => n !== undefined);

describe('a job whose server was killed', () => {
  it(
    'the same call again takes up the parts it kept, asks only for the rest, and answers whole',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      runtimes.push(runtime);
      const home = tempHome(YAML);
      const project = join(home, 'project');
      mkdirSync(join(project, 'logs'), { recursive: true });
      writeFileSync(join(project, 'logs/app.log'), longLog(48_000));
      const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: project, name: 'resumer' });
      launches.push(l);
      const args = { prompt: 'Which errors occurred in this log?', files: ['logs/app.log'], model: 'qwen2.5:14b' };
      const first = await l.client.callTool({ name: 'route_and_generate', arguments: args });
      const job = (first.structuredContent as { job?: { id: string } }).job;
      expect(job?.id).toBeDefined();
      // some parts kept on disk, then the server is killed mid-job
      await expect
        .poll(() => keptParts(home, job!.id).length, { timeout: 30_000, interval: 100 })
        .toBeGreaterThanOrEqual(2);
      const kept = keptParts(home, job!.id).map((t) => /partial (\d+)/.exec(t)![1]!);
      const server = servedBy(l);
      expect(server).toBeGreaterThan(0);
      process.kill(server, 'SIGKILL');
      // the same call: a new job (the old one is lost), handed over again or answered; then waited for
      let answer: { text?: string; job?: { id: string } } = {};
      for (let i = 0; i < 40 && !answer.text?.includes('FINAL'); i++) {
        const again = await l.client.callTool({ name: 'route_and_generate', arguments: args });
        expect(again.isError).not.toBe(true);
        answer = again.structuredContent as typeof answer;
        if (answer.job) expect(answer.job.id).not.toBe(job!.id);
      }
      expect(answer.text).toContain('FINAL answer');
      // no kept part was asked twice; every part was asked at least once
      const asked = partAsked();
      for (const n of kept) expect(asked.filter((a) => a === n)).toHaveLength(1);
      const total = Number(
        /Part \d+ of (\d+)/.exec(fake.generations().find((g) => /Part \d+ of/.test(g.prompt ?? ''))!.prompt!)![1],
      );
      expect(new Set(asked).size).toBe(total);
    },
  );
});
