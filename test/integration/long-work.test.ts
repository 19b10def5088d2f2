// Long work handed over before a client's limit (issue 56, items 4 and 5): the job store in the
// state database and the runner. A call that ends in time gets its result; one that does not is
// answered before the limit with the parts so far and the job, which runs on and keeps its
// result; the same call again attaches to its job, running or done, and never runs twice; one
// agent's jobs are not another's; a running job whose server is gone is lost, never running.
import { describe, expect, it } from 'vitest';
import { answerWithin, LongWork, type JobCall } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore, KEEP_MS, MAX_TEXT } from '../../src/orchestrator/stores/job-store.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Work that answers `parts` parts, each once `release` was called for it (before or after it began), then
 * returns their join.
 */
function gated(parts: number) {
  let allowed = 0;
  const waiting: Array<() => void> = [];
  let runs = 0;
  const work: JobCall<string>['work'] = async (c) => {
    runs++;
    const got: string[] = [];
    for (let i = 0; i < parts; i++) {
      await new Promise<void>((resolve, reject) => {
        c.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        if (allowed > 0) {
          allowed--;
          resolve();
        } else waiting.push(resolve);
      });
      got.push(`part ${i + 1}`);
      c.part(`part ${i + 1}`);
    }
    return got.join(', ');
  };
  const release = () => {
    const w = waiting.shift();
    if (w) w();
    else allowed++;
  };
  return { work, release, runs: () => runs };
}

const call = (over: Partial<JobCall<string>> & Pick<JobCall<string>, 'work'>): JobCall<string> => ({
  owner: 'agent-a',
  tool: 'route_and_generate',
  key: 'k1',
  limitMs: undefined,
  signal: new AbortController().signal,
  ...over,
});

describe('when a call is answered', () => {
  it("shortly before the client's limit: a tenth of it, 5 s at the least; without a limit, never early", () => {
    expect(answerWithin(60_000)).toBe(54_000);
    expect(answerWithin(20_000)).toBe(15_000);
    expect(answerWithin(600_000)).toBe(540_000);
    expect(answerWithin(undefined)).toBeUndefined();
    expect(answerWithin(0)).toBeUndefined();
  });
});

describe('long work', () => {
  it('ending in time: the call gets its result; the same call again asks anew (no job the agent knew of)', async () => {
    const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
    const g = gated(2);
    const running = jobs.run(call({ work: g.work, limitMs: 60_000 }));
    await expect.poll(() => jobs.running().length).toBe(1);
    g.release();
    g.release();
    expect(await running).toMatchObject({ kind: 'result', result: 'part 1, part 2' });
    g.release();
    g.release();
    expect(await jobs.run(call({ work: g.work, limitMs: 60_000 }))).toMatchObject({
      kind: 'result',
      result: 'part 1, part 2',
    });
    expect(g.runs()).toBe(2);
  });

  it(
    "past the limit: answered with how far the job is (never a part's text) and the job; the " +
      'job runs on, and a wait gets its result',
    async () => {
      const home = tempDir('ollm-jobs-');
      const jobs = new LongWork(new JobStore(home));
      const g = gated(3);
      const running = jobs.run(call({ work: g.work, limitMs: 1200 })); // answered within 1 s
      await expect.poll(() => jobs.running().length).toBe(1);
      g.release();
      const out = await running;
      expect(out.kind).toBe('handed');
      if (out.kind !== 'handed') return;
      expect(out.now).toMatchObject({ partsDone: 1 });
      expect(JSON.stringify(out.now)).not.toContain('part 1'); // how far, not what the part said
      expect(out.job.state).toBe('running');
      // the job went on without the call
      const still = await jobs.wait('agent-a', out.job.id, 50);
      // the parts for its resource alone
      expect(still).toMatchObject({ kind: 'running', parts: ['part 1'], now: { partsDone: 1 } });
      g.release();
      g.release();
      const done = await jobs.wait('agent-a', out.job.id, undefined);
      expect(done).toMatchObject({ kind: 'result', result: 'part 1, part 2, part 3' });
      // kept in the state database: another server on the same home reads it
      await expect
        .poll(async () => new LongWork(new JobStore(home)).wait('agent-a', out.job.id, 0))
        .toMatchObject({ kind: 'result', result: 'part 1, part 2, part 3' });
      expect(g.runs()).toBe(1);
    },
  );

  it(
    'a job another server of the home runs: a wait reads it again until it ends there, within ' +
      'its time; without time, once',
    async () => {
      const home = tempDir('ollm-jobs-');
      const here = new LongWork(new JobStore(home));
      const there = new LongWork(new JobStore(home)); // another server on the same home
      const g = gated(2);
      const out = await here.run(call({ work: g.work, limitMs: 1200 }));
      if (out.kind !== 'handed') throw new Error('not handed over');
      expect(await there.wait('agent-a', out.job.id, 0)).toMatchObject({ kind: 'running' }); // no time: as it is now
      const waiting = there.wait('agent-a', out.job.id, 5000);
      g.release();
      g.release();
      // read again until it ended there
      expect(await waiting).toMatchObject({ kind: 'result', result: 'part 1, part 2' });
    },
  );

  it(
    'the same call again attaches to its job — running, then done — and never runs it twice; ' +
      'another call, or another agent, starts its own',
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
      const g = gated(1);
      const first = jobs.run(call({ work: g.work, limitMs: 1200 }));
      expect((await first).kind).toBe('handed');
      const again = jobs.run(call({ work: g.work, limitMs: 60_000 }));
      g.release();
      expect(await again).toMatchObject({ kind: 'result', result: 'part 1' });
      expect(await jobs.run(call({ work: g.work }))).toMatchObject({ kind: 'result', result: 'part 1' });
      expect(g.runs()).toBe(1);
      // the other side: another key, another agent
      const other = jobs.run(call({ key: 'k2', work: g.work }));
      const theirs = jobs.run(call({ owner: 'agent-b', work: g.work }));
      await expect.poll(() => jobs.running().length).toBe(2);
      g.release();
      g.release();
      await Promise.all([other, theirs]);
      expect(g.runs()).toBe(3);
    },
  );

  it("one agent's job is not another's: neither waited on nor cancelled by it", async () => {
    const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
    const g = gated(1);
    const out = await jobs.run(call({ work: g.work, limitMs: 1200 }));
    if (out.kind !== 'handed') throw new Error('not handed');
    expect(await jobs.wait('agent-b', out.job.id, 0)).toBeUndefined();
    expect((await jobs.list('agent-a')).map((j) => [j.id, j.state])).toEqual([[out.job.id, 'running']]);
    expect(await jobs.list('agent-b')).toEqual([]);
    expect(jobs.cancel('agent-b', out.job.id)).toBe(false);
    expect(jobs.running()).toHaveLength(1);
    expect(jobs.cancel('agent-a', out.job.id)).toBe(true);
    await expect.poll(async () => (await jobs.wait('agent-a', out.job.id, 0))?.job.state).toBe('cancelled');
  });

  it(
    "the client's cancel before the hand-over cancels the job; a call attached to a job leaves " + 'it running',
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
      const g = gated(1);
      const client = new AbortController();
      const first = jobs.run(call({ work: g.work, signal: client.signal }));
      await expect.poll(() => jobs.running().length).toBe(1);
      const [job] = jobs.running();
      const watcher = new AbortController();
      const attached = jobs.run(call({ work: g.work, signal: watcher.signal, limitMs: 60_000 }));
      await new Promise((r) => setTimeout(r, 50));
      watcher.abort();
      expect(jobs.running()).toHaveLength(1); // the attached call's cancel is not the job's
      client.abort();
      await expect(first).rejects.toThrow('aborted');
      await expect(attached).rejects.toThrow('aborted');
      expect((await jobs.wait('agent-a', job!.id, 0))?.job.state).toBe('cancelled');
    },
  );

  it('a failed job says why, and the same call then starts again', async () => {
    const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('the engine is gone');
    };
    await expect(jobs.run(call({ work: failing }))).rejects.toThrow('the engine is gone');
    await expect(jobs.run(call({ work: failing }))).rejects.toThrow('the engine is gone');
    expect(runs).toBe(2);
  });
});

describe('a job begun without waiting (a task)', () => {
  it(
    'is known by its id at once, running; a wait gets its result; every task begun is a job of ' +
      'its own, even of the same arguments',
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
      const g = gated(1);
      const job = await jobs.begin({ owner: 'agent-a', tool: 'route_and_generate', key: 'k1', work: g.work });
      expect(job).toMatchObject({ state: 'running', handed: true });
      expect(await jobs.wait('agent-a', job.id, 0)).toMatchObject({ kind: 'running' });
      // its arguments alone say nothing of what it will read (another project's notes.txt): never the same task
      const again = await jobs.begin({ owner: 'agent-a', tool: 'route_and_generate', key: 'k1', work: g.work });
      expect(again.id).not.toBe(job.id);
      g.release();
      g.release();
      expect(await jobs.wait('agent-a', job.id, undefined)).toMatchObject({ kind: 'result', result: 'part 1' });
      expect(await jobs.wait('agent-a', again.id, undefined)).toMatchObject({ kind: 'result', result: 'part 1' });
      expect(g.runs()).toBe(2);
    },
  );

  it(
    'its work, once its full key is known, joins a running task of the same owner and key (run ' +
      'once); another key or owner runs its own',
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
      let runs = 0;
      let release!: (v: string) => void;
      const shared = new Promise<string>((r) => (release = r));
      const task = (owner: string, key: string) =>
        jobs.begin({
          owner,
          tool: 'route_and_generate',
          key: 'args',
          work: (c) => c.join(key, async () => (runs++, shared)),
        });
      const first = await task('agent-a', 'scope-A');
      const second = await task('agent-a', 'scope-A');
      const otherScope = await task('agent-a', 'scope-B');
      const otherAgent = await task('agent-b', 'scope-A');
      await expect.poll(() => runs).toBe(3); // scope-A once for agent-a, scope-B, agent-b's
      release('answer');
      for (const [owner, t] of [
        ['agent-a', first],
        ['agent-a', second],
        ['agent-a', otherScope],
        ['agent-b', otherAgent],
      ] as const)
        expect(await jobs.wait(owner, t.id, undefined)).toMatchObject({ kind: 'result', result: 'answer' });
      expect(runs).toBe(3);
    },
  );

  it(
    'a task that joined another runs its own work when that one is cancelled, and stops waiting ' +
      'when it is cancelled itself',
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')));
      const g = gated(1);
      const task = () =>
        jobs.begin({
          owner: 'agent-a',
          tool: 'route_and_generate',
          key: 'args',
          work: (c) => c.join('full', () => g.work(c)),
        });
      const first = await task();
      const second = await task();
      await expect.poll(() => g.runs()).toBe(1);
      expect(jobs.cancel('agent-a', first.id)).toBe(true);
      await expect.poll(() => g.runs()).toBe(2); // the joiner's own work, the one it waited on gone
      g.release(); // the cancelled work's turn, left behind by it
      g.release();
      expect(await jobs.wait('agent-a', second.id, undefined)).toMatchObject({ kind: 'result', result: 'part 1' });
      expect(await jobs.wait('agent-a', first.id, undefined)).toMatchObject({
        kind: 'ended',
        job: { state: 'cancelled' },
      });
      // a joiner cancelled stops waiting; the work it joined runs on
      const third = await task();
      const fourth = await task();
      await expect.poll(() => g.runs()).toBe(3);
      jobs.cancel('agent-a', fourth.id);
      expect(await jobs.wait('agent-a', fourth.id, undefined)).toMatchObject({
        kind: 'ended',
        job: { state: 'cancelled' },
      });
      g.release();
      expect(await jobs.wait('agent-a', third.id, undefined)).toMatchObject({ kind: 'result', result: 'part 1' });
      expect(g.runs()).toBe(3);
    },
  );
});

describe("stopping a job at its agent's ask", () => {
  it(
    'cancels one running here; says of one ended what it was, of one run by another server ' +
      "which; another agent's is none of theirs",
    async () => {
      const home = tempDir('ollm-jobs-');
      const jobs = new LongWork(new JobStore(home));
      const g = gated(1);
      const job = await jobs.begin({ owner: 'agent-a', tool: 'route_and_generate', key: 'k1', work: g.work });
      expect(await jobs.stop('agent-b', job.id)).toBeUndefined();
      expect(await jobs.stop('agent-a', job.id)).toEqual({ kind: 'cancelled' });
      expect(await jobs.wait('agent-a', job.id, undefined)).toMatchObject({
        kind: 'ended',
        job: { state: 'cancelled' },
      });
      await expect.poll(async () => jobs.stop('agent-a', job.id)).toEqual({ kind: 'ended', state: 'cancelled' });
      // a job another server runs (the same state database, a live runner): not stopped from here
      const other = await new JobStore(home).create('agent-a', 'compare', 'k2');
      expect(await jobs.stop('agent-a', other.id)).toEqual({ kind: 'elsewhere', runner: process.pid });
      expect(await jobs.stop('agent-a', 'job-none')).toBeUndefined();
    },
  );
});

describe('the job store', () => {
  it('a running job whose server is gone is lost, never running; the same call then starts over', async () => {
    const home = tempDir('ollm-jobs-');
    const store = new JobStore(home);
    const job = await store.create('agent-a', 'route_and_generate', 'k1');
    const gone = new JobStore(home, () => false); // as read once its server died
    expect((await gone.get('agent-a', job.id))?.state).toBe('lost');
    expect((await gone.previous('agent-a', 'k1')).same).toBeUndefined();
    expect((await store.get('agent-a', job.id))?.state).toBe('running');
    expect((await store.previous('agent-a', 'k1')).same?.id).toBe(job.id);
  });

  it(`keeps an ended job ${KEEP_MS / 3600_000} h: past it, a repeated call starts over; within it, attaches`, async () => {
    const home = tempDir('ollm-jobs-');
    let now = Date.now();
    const store = new JobStore(
      home,
      () => true,
      () => now,
    );
    const job = await store.create('agent-a', 't', 'k1');
    await store.end(job.id, 'done', { value: 'answer' });
    expect((await store.previous('agent-a', 'k1')).same).toBeUndefined(); // answered whole: no job the agent knew of
    await store.handedOver(job.id);
    now += KEEP_MS - 1000;
    expect((await store.previous('agent-a', 'k1')).same?.result).toBe('answer');
    now += 2000;
    expect((await store.previous('agent-a', 'k1')).same).toBeUndefined();
    expect((await store.list('agent-a')).map((j) => j.id)).toEqual([]);
  });

  it(`a result over ${MAX_TEXT} characters ends the job failed, saying so; one at the bound is kept`, async () => {
    const store = new JobStore(tempDir('ollm-jobs-'));
    const big = await store.create('a', 't', 'k1');
    await store.end(big.id, 'done', { value: 'x'.repeat(MAX_TEXT) });
    expect(await store.get('a', big.id)).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/over 4000000 characters/),
    });
    const fits = await store.create('a', 't', 'k2');
    await store.end(fits.id, 'done', { value: 'x'.repeat(MAX_TEXT - 20) });
    expect((await store.get('a', fits.id))?.state).toBe('done');
  });

  it(
    "a server stopping cancels its jobs' work; a state database that cannot be written keeps no " +
      'job, and the call is answered all the same',
    async () => {
      const stopping = new AbortController();
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')), stopping.signal);
      const g = gated(1);
      const running = jobs.run(call({ work: g.work }));
      await expect.poll(() => jobs.running().length).toBe(1);
      stopping.abort(new Error('stopping'));
      await expect(running).rejects.toThrow('aborted');
      // the other side: a store that fails
      const broken = new LongWork({
        previous: async () => Promise.reject(new Error('disk full')),
        create: async () => Promise.reject(new Error('disk full')),
        end: async () => Promise.reject(new Error('disk full')),
        progress: async () => undefined,
        handedOver: async () => undefined,
        lostParts: async () => Promise.reject(new Error('disk full')),
      } as unknown as JobStore);
      const h = gated(1);
      h.release();
      expect(await broken.run(call({ work: h.work }))).toMatchObject({ kind: 'result', result: 'part 1' });
    },
  );
});
