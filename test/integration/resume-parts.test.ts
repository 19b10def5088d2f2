// A job cut by its server stopping resumes from its parts (issue 56, item 5): each part a split job
// answers is kept with its request's key; a later job of the same call whose earlier job is lost
// takes those answers instead of asking the engine again, and asks only for the rest. A part of
// another call (another task: other prompts) is never taken.
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { LongWork, type JobCall } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore, KEEP_MS, type ReusablePart } from '../../src/orchestrator/stores/job-store.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, fairModels, longLog } from '../helpers/fair.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const TASK = 'Which errors occurred in this log?';

async function splitSetup() {
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1, models: fairModels(5) });
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '')
      ? 'FINAL'
      : `partial ${/Part (\d+) of/.exec(ctx.prompt ?? '')?.[1]}`,
  );
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: FAIR_YAML });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  const plan = async (prompt: string) => {
    const req = { prompt, intent: prompt, model: 'qwen2.5:14b', useMemory: false, inputsByReference: true };
    const p = await planOffload(core, req, [{ label: 'logs/app.log', text: longLog() }]);
    if (p.kind !== 'split') throw new Error(`expected a split plan, got ${p.kind}`);
    return { req, plan: p.plan };
  };
  const asked = () =>
    fake
      .generations()
      .filter((g) => /Part \d+ of/.test(g.prompt ?? ''))
      .map((g) => Number(/Part (\d+) of/.exec(g.prompt ?? '')![1]));
  return { core, plan, asked };
}

describe('a split job taking up the parts of a lost job of the same call', () => {
  it('asks the engine only for the parts not answered before, and the answer combines them all', async () => {
    const { core, plan, asked } = await splitSetup();
    const { req, plan: p } = await plan(TASK);
    const total = p.parts.length;
    expect(total).toBeGreaterThanOrEqual(3);
    // the first run: every part answered, each kept with its key
    const kept: ReusablePart[] = [];
    await runSplit(core, req, p, { onPart: (_text, reuse) => reuse && kept.push(reuse) });
    expect(kept).toHaveLength(total);
    expect(asked()).toHaveLength(total);
    // the server stopped after two parts: a new job of the call takes those two and asks for the rest
    const before = asked().length;
    const shown: string[] = [];
    const r = await runSplit(core, req, p, {
      reused: new Map(kept.slice(0, 2).map((k) => [k.key, k.answer])),
      onPart: (text) => shown.push(text),
    });
    expect(r.text).toBe('FINAL');
    expect(
      asked()
        .slice(before)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: total - 2 }, (_, i) => i + 3));
    expect(shown).toHaveLength(total); // every part is the new job's, the taken ones too
    expect(shown.filter((t) => t.endsWith('partial 1') || t.endsWith('partial 2'))).toHaveLength(2);
  }, 60_000);

  it("never takes a part of another call: another task's parts are asked anew", async () => {
    const { core, plan, asked } = await splitSetup();
    const first = await plan(TASK);
    const kept: ReusablePart[] = [];
    await runSplit(core, first.req, first.plan, { onPart: (_t, reuse) => reuse && kept.push(reuse) });
    const before = asked().length;
    const other = await plan('Which workers restarted?');
    await runSplit(core, other.req, other.plan, { reused: new Map(kept.map((k) => [k.key, k.answer])) });
    expect(asked().length - before).toBe(other.plan.parts.length);
  }, 60_000);
});

describe('the job runner', () => {
  it(
    'gives a new job of a call the parts its lost job kept — not those of a job still running, ' +
      "nor another agent's",
    async () => {
      const home = tempDir('ollm-jobs-');
      let gone = false;
      // the first job's server: alive until `gone`
      const store = new JobStore(home, () => !gone);
      const lost = await store.create('agent-a', 'route_and_generate', 'k1');
      await store.progress(lost.id, '2 parts answered', [
        { text: 'a: one', reuse: { key: 'p1', answer: 'one' } },
        { text: 'b: two', reuse: { key: 'p2', answer: 'two' } },
      ]);
      const jobs = new LongWork(new JobStore(home, () => !gone));
      let seen: ReadonlyMap<string, string> | undefined;
      const work: JobCall<string>['work'] = async (c) => {
        seen = c.reused;
        return 'done';
      };
      const call = (owner: string) => ({
        owner,
        tool: 'route_and_generate',
        key: 'k1',
        limitMs: undefined,
        signal: new AbortController().signal,
        work,
      });
      // its server alive: the job runs there still; another agent's call of the same key: not theirs
      await jobs.run(call('agent-a'));
      expect(seen?.size).toBe(0);
      gone = true;
      await jobs.run(call('agent-b'));
      expect(seen?.size).toBe(0);
      await jobs.run(call('agent-a'));
      expect([...(seen ?? new Map())]).toEqual([
        ['p1', 'one'],
        ['p2', 'two'],
      ]);
    },
  );

  it(`keeps a lost job's parts for ${KEEP_MS / 3600_000} h, like any job: past it, a new job of the call asks anew`, async () => {
    const home = tempDir('ollm-jobs-');
    const lost = await new JobStore(home).create('agent-a', 'route_and_generate', 'k1');
    await new JobStore(home).progress(lost.id, '1 part answered', [
      { text: 'a: one', reuse: { key: 'p1', answer: 'one' } },
    ]);
    const later = (ms: number) =>
      new JobStore(
        home,
        () => false,
        () => Date.now() + ms,
      );
    expect(await later(KEEP_MS - 60_000).lostParts('agent-a', 'k1')).toEqual([{ key: 'p1', answer: 'one' }]);
    expect(await later(KEEP_MS + 60_000).lostParts('agent-a', 'k1')).toEqual([]);
  });
});
