// A call's job row is written only once the call lasts (issue 63, Deliver 2: nothing on a quick call's
// path): handed over (on disk before the hand-over is answered), its first part, or WRITE_AFTER_MS
// after it started; a call done before writes none, and one that failed is written to say why. Each
// read here is another server's of the same home: a store of its own, reading the state database.
import { describe, expect, it } from 'vitest';
import { LongWork, type JobCall } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore, WRITE_AFTER_MS } from '../../src/orchestrator/stores/job-store.js';
import { flushWrites, stateDb } from '../../src/orchestrator/storage/db.js';
import { tempDir } from '../helpers/temp.js';

const call = (over: Partial<JobCall<string>> & Pick<JobCall<string>, 'work'>): JobCall<string> => ({
  owner: 'agent-a',
  tool: 'route_and_generate',
  key: 'k1',
  limitMs: undefined,
  signal: new AbortController().signal,
  ...over,
});

/** A home, its runner, and what another server of it reads (every write of this one's landed first). */
async function home() {
  const dir = tempDir('ollm-job-rows-');
  const jobs = new LongWork(new JobStore(dir));
  const seen = async (id: string) => {
    await flushWrites(await stateDb(dir));
    return new JobStore(dir).get('agent-a', id);
  };
  return { dir, jobs, seen };
}

/** The id of the one job running (read once its work has begun: the job is known from its first await). */
const theJob = async (jobs: LongWork) => {
  await new Promise((r) => setImmediate(r));
  return jobs.running()[0]!.id;
};

/** A gate: `gate` resolves once `go` is called. */
function held() {
  let go: () => void = () => undefined;
  const gate = new Promise<void>((r) => (go = r));
  return { gate, go: () => go() };
}

describe("a call's job row", () => {
  it('a call done in time writes none, ever; the same call again asks anew', async () => {
    const { jobs, seen } = await home();
    let runs = 0;
    const out = await jobs.run(call({ work: async () => `answer ${++runs}` }));
    expect(out).toMatchObject({ kind: 'result', result: 'answer 1' });
    await new Promise((r) => setTimeout(r, WRITE_AFTER_MS + 200)); // past the time a running one is written
    expect(await seen(out.job!.id)).toBeUndefined();
    expect(await jobs.run(call({ work: async () => `answer ${++runs}` }))).toMatchObject({ result: 'answer 2' });
  });

  it('a call handed over: its row is on disk, handed, before the hand-over is answered', async () => {
    const { dir, jobs } = await home();
    const h = held();
    const out = await jobs.run(call({ limitMs: 1, work: async () => (await h.gate, 'late') }));
    expect(out.kind).toBe('handed');
    // no flush: already there
    expect(await new JobStore(dir).get('agent-a', out.job!.id)).toMatchObject({ state: 'running', handed: true });
    h.go();
  });

  it('its first part writes it (for a server that takes the parts up), before WRITE_AFTER_MS', async () => {
    const { jobs, seen } = await home();
    const h = held();
    let id = '';
    const partWritten = held();
    const run = jobs.run(
      call({
        work: async (c) => {
          id = await theJob(jobs);
          expect(await seen(id)).toBeUndefined(); // no part yet, just begun: nothing written
          c.part('part 1');
          partWritten.go();
          await h.gate;
          return 'part 1, part 2';
        },
      }),
    );
    await partWritten.gate;
    expect((await seen(id))?.parts).toEqual(['part 1']);
    h.go();
    await run;
  });

  it('one still running after WRITE_AFTER_MS is written, so other servers of the home see it', async () => {
    const { jobs, seen } = await home();
    const h = held();
    const run = jobs.run(call({ work: async () => (await h.gate, 'slow') }));
    await expect.poll(() => jobs.running().length).toBe(1);
    const [job] = jobs.running();
    expect(await seen(job!.id)).toBeUndefined();
    await expect
      .poll(() => seen(job!.id), { timeout: WRITE_AFTER_MS + 3000, interval: 200 })
      .toMatchObject({ state: 'running', handed: false });
    h.go();
    await run;
    expect(await seen(job!.id)).toMatchObject({ state: 'done' }); // its end, with the next group commit
  });

  it('a call that failed before anything wrote it is written, saying why', async () => {
    const { jobs, seen } = await home();
    let id = '';
    await expect(
      jobs.run(
        call({
          work: async () => {
            id = await theJob(jobs);
            throw new Error('the engine is gone');
          },
        }),
      ),
    ).rejects.toThrow('the engine is gone');
    expect(await seen(id)).toMatchObject({ state: 'failed', error: 'the engine is gone' });
  });
});
