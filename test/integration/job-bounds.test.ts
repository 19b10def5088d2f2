// Jobs and tasks are bounded per agent, never across agents (issue 61, finding 3): one agent's
// flood of calls removes only its own oldest ended rows — never another agent's job, never a
// running one; an agent with too many running is refused a new one, saying what to do; a task is
// kept no longer than the ttl it asked for; an id not of a job's shape is not looked up or repeated.
import { describe, expect, it } from 'vitest';
import { stateDb } from '../../src/orchestrator/storage/db.js';
import { JobError, jobOwner, LongWork, MAX_RUNNING } from '../../src/orchestrator/jobs/long-work.js';
import { isJobId, JobStore, MAX_JOBS, shownId, SWEEP_MS } from '../../src/orchestrator/stores/job-store.js';
import { keptTtl, MIN_TASK_TTL_MS, TASK_TTL_MS } from '../../src/server/task-shapes.js';
import { tempDir } from '../helpers/temp.js';

const rowsOf = async (home: string, owner: string) =>
  (await stateDb(home)).prepare('SELECT id, state FROM jobs WHERE owner = ? ORDER BY rowid').all(owner) as Array<{
    id: string;
    state: string;
  }>;

/** `n` rows of `owner` written straight in (as a flood of calls leaves them), in `state`, the oldest first. */
async function flood(home: string, owner: string, n: number, state: 'done' | 'running', at: number): Promise<string[]> {
  const db = await stateDb(home);
  const insert = db.prepare(
    'INSERT INTO jobs (id, owner, tool, call_key, state, runner, handed, created_at, ' +
      'updated_at, result) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)',
  );
  const ids = Array.from(
    { length: n },
    (_, i) => `job-${(0x10000000 + i).toString(16)}${state === 'done' ? 'd' : 'e'}`,
  );
  db.transaction(() =>
    ids.forEach((id, i) =>
      insert.run(id, owner, 'route_and_generate', `k-${id}`, state, process.pid, at + i, at + i, '{"value":1}'),
    ),
  )();
  return ids;
}

describe('the bound of the jobs kept', () => {
  it(
    `is per owner: ${MAX_JOBS + 200} rows of agent X never remove agent Y's ended task nor ` +
      `anyone's running job; X's own oldest ended rows go first`,
    async () => {
      const home = tempDir('ollm-bounds-');
      const now = Date.now();
      const store = new JobStore(
        home,
        () => true,
        () => now,
      );
      const yEnded = await store.create('agent-y', 'route_and_generate', 'ky1', 60_000);
      await store.end(yEnded.id, 'done', { value: 'Y answer' });
      const yRunning = await store.create('agent-y', 'route_and_generate', 'ky2');
      const xRunning = await store.create('agent-x', 'route_and_generate', 'kx-run');
      const xEnded = await flood(home, 'agent-x', MAX_JOBS + 200, 'done', now - 60_000);
      const xNew = await store.create('agent-x', 'route_and_generate', 'kx-new'); // the bound is kept as a job is made
      expect(await store.get('agent-y', yEnded.id)).toMatchObject({ state: 'done', result: 'Y answer' });
      expect((await store.get('agent-y', yRunning.id))?.state).toBe('running');
      const xRows = await rowsOf(home, 'agent-x');
      expect(xRows).toHaveLength(MAX_JOBS); // its two running ones and its newest ended ones
      const kept = new Set(xRows.map((r) => r.id));
      expect(kept.has(xRunning.id) && kept.has(xNew.id)).toBe(true);
      expect(xEnded.slice(-(MAX_JOBS - 2)).every((id) => kept.has(id))).toBe(true);
      expect(xEnded.slice(0, 202).some((id) => kept.has(id))).toBe(false);
      expect(await rowsOf(home, 'agent-y')).toHaveLength(2);
    },
  );

  it(
    'never removes a running row: an owner past its bound with running rows alone keeps them ' +
      'all, its ended ones going',
    async () => {
      const home = tempDir('ollm-bounds-');
      const now = Date.now();
      const store = new JobStore(
        home,
        () => true,
        () => now,
      );
      const ended = await flood(home, 'agent-x', 20, 'done', now - 60_000);
      const running = await flood(home, 'agent-x', MAX_JOBS + 10, 'running', now - 30_000);
      const other = await store.create('agent-x', 't', 'k-new');
      const rows = await rowsOf(home, 'agent-x');
      expect(rows.map((r) => r.id).sort()).toEqual([...running, other.id].sort());
      expect(rows.some((r) => ended.includes(r.id))).toBe(false);
    },
  );
});

describe('jobs whose server is gone', () => {
  it(
    'are ended (lost) as their owner makes a job, so the keep and the bound reach them; their ' +
      'parts are still taken up; a live server’s are left running',
    async () => {
      const home = tempDir('ollm-bounds-');
      let now = Date.now();
      const dead = 999_999_999;
      const store = new JobStore(
        home,
        (pid) => pid !== dead,
        () => now,
      );
      const gone = await flood(home, 'agent-x', MAX_JOBS + 10, 'running', now - 60_000);
      const alive = await store.create('agent-x', 'compare', 'k-alive');
      const db = await stateDb(home);
      db.prepare('UPDATE jobs SET runner = ?, parts = ? WHERE id IN (' + gone.map(() => '?').join(',') + ')').run(
        dead,
        JSON.stringify([{ text: 'p1', reuse: { key: 'r1', answer: 'a1' } }]),
        ...gone,
      );
      await store.create('agent-x', 'route_and_generate', 'k-extra');
      // swept at most every SWEEP_MS
      expect((await rowsOf(home, 'agent-x')).filter((r) => r.state === 'lost')).toEqual([]);
      now += SWEEP_MS;
      await store.create('agent-x', 'route_and_generate', 'k-new');
      const rows = await rowsOf(home, 'agent-x');
      expect(rows).toHaveLength(MAX_JOBS);
      expect(rows.filter((r) => r.state === 'running').map((r) => r.id)).toContain(alive.id);
      expect(rows.filter((r) => r.state === 'lost').length).toBe(MAX_JOBS - 3);
      const kept = rows.find((r) => r.state === 'lost')!.id;
      expect(await store.lostParts('agent-x', `k-${kept}`)).toEqual([{ key: 'r1', answer: 'a1' }]);
    },
  );
});

describe('running jobs per owner', () => {
  it(
    `at most ${MAX_RUNNING} of one agent's at once: one more is refused saying what to do, ` +
      `nothing dropped; another agent's still runs; one ended, there is room again`,
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-bounds-')));
      const releases: Array<() => void> = [];
      const work = () => new Promise<string>((resolve) => releases.push(() => resolve('ok')));
      const begun = [];
      for (let i = 0; i < MAX_RUNNING; i++)
        begun.push(await jobs.begin({ owner: 'agent-x', tool: 'route_and_generate', key: `k${i}`, work }));
      const refused = jobs.begin({ owner: 'agent-x', tool: 'route_and_generate', key: 'one-more', work });
      await expect(refused).rejects.toBeInstanceOf(JobError);
      await expect(refused).rejects.toThrow(/wait for some to end, or cancel those you no longer need/);
      // a plain call is refused alike
      await expect(
        jobs.run({
          owner: 'agent-x',
          tool: 'compare',
          key: 'plain',
          limitMs: undefined,
          signal: new AbortController().signal,
          work,
        }),
      ).rejects.toBeInstanceOf(JobError);
      expect(jobs.running()).toHaveLength(MAX_RUNNING); // none dropped to make room
      const theirs = await jobs.begin({ owner: 'agent-y', tool: 'route_and_generate', key: 'k0', work });
      expect(theirs.state).toBe('running');
      releases[0]!();
      expect(await jobs.wait('agent-x', begun[0]!.id, undefined)).toMatchObject({ kind: 'result', result: 'ok' });
      await expect.poll(() => jobs.running().filter((j) => j.owner === 'agent-x').length).toBe(MAX_RUNNING - 1);
      expect((await jobs.begin({ owner: 'agent-x', tool: 'route_and_generate', key: 'now', work })).state).toBe(
        'running',
      );
      for (const r of releases) r();
    },
  );
});

describe('running jobs per owner, begun all at once', () => {
  it(
    `${MAX_RUNNING + 16} of one agent's begun in one burst: ${MAX_RUNNING} run, the rest are ` +
      `refused (counted before the state database is written)`,
    async () => {
      const jobs = new LongWork(new JobStore(tempDir('ollm-bounds-')));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const work = async () => gate.then(() => 'ok');
      const burst = await Promise.allSettled(
        Array.from({ length: MAX_RUNNING + 16 }, (_, i) =>
          jobs.begin({ owner: 'agent-x', tool: 'route_and_generate', key: `k${i}`, work }),
        ),
      );
      expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_RUNNING);
      expect(
        burst
          .filter((r) => r.status === 'rejected')
          .every((r) => (r as PromiseRejectedResult).reason instanceof JobError),
      ).toBe(true);
      expect(jobs.running()).toHaveLength(MAX_RUNNING);
      release();
    },
  );
});

describe("a task's ttl", () => {
  it('is the one asked for, within ours (10 s to 24 h); ours when none was asked (null: unlimited)', () => {
    expect(keptTtl(60_000)).toBe(60_000);
    expect(keptTtl(MIN_TASK_TTL_MS + 1)).toBe(MIN_TASK_TTL_MS + 1);
    expect(keptTtl(MIN_TASK_TTL_MS)).toBe(MIN_TASK_TTL_MS);
    expect(keptTtl(1)).toBe(MIN_TASK_TTL_MS); // an ended task's result there to be fetched, not gone at once
    expect(keptTtl(undefined)).toBe(TASK_TTL_MS);
    expect(keptTtl(null)).toBe(TASK_TTL_MS);
    expect(keptTtl(10 * TASK_TTL_MS)).toBe(TASK_TTL_MS);
    expect(keptTtl(-5)).toBe(MIN_TASK_TTL_MS);
  });

  it(
    'an ended task past its ttl (from its creation) reads as unknown and is removed by the ' +
      'cleanup; within it, and while it runs, it is known',
    async () => {
      const home = tempDir('ollm-bounds-');
      let now = Date.now();
      const store = new JobStore(
        home,
        () => true,
        () => now,
      );
      const jobs = new LongWork(store);
      const task = await jobs.begin({
        owner: 'a',
        tool: 'route_and_generate',
        key: 'k',
        ttlMs: 5000,
        work: async () => 'done',
      });
      const long = await store.create('a', 'route_and_generate', 'k2', 5000); // still running past its ttl
      await expect.poll(async () => (await store.get('a', task.id))?.state).toBe('done');
      expect((await store.get('a', task.id))?.ttlMs).toBe(5000);
      now += 4000;
      expect(await jobs.wait('a', task.id, 0)).toMatchObject({ kind: 'result', result: 'done' });
      now += 2000; // 6 s after its creation
      expect(await jobs.wait('a', task.id, 0)).toBeUndefined();
      expect((await store.list('a')).map((j) => j.id)).toEqual([long.id]);
      expect((await store.get('a', long.id))?.state).toBe('running');
      now += SWEEP_MS;
      await store.create('b', 't', 'k3'); // the next job made after SWEEP_MS cleans up
      expect((await rowsOf(home, 'a')).map((r) => r.id)).toEqual([long.id]);
    },
  );
});

describe('whose a job is', () => {
  it('the agent in its session’s folder: kept whole by the state database, and another folder’s is another owner', async () => {
    const store = new JobStore(tempDir('ollm-bounds-'));
    const inA = jobOwner('claude-code', '/work/project-a');
    const job = await store.create(inA, 'route_and_generate', 'k');
    expect((await store.get(inA, job.id))?.owner).toBe(inA);
    expect(jobOwner('claude-code', '/work/project-b')).not.toBe(inA);
    expect(jobOwner('claude-code', undefined)).toBe('claude-code');
    expect((await store.list(inA)).map((j) => j.id)).toEqual([job.id]);
    expect(await store.list(jobOwner('claude-code', '/work/project-b'))).toEqual([]);
  });
});

describe('a job id', () => {
  it('has one shape; anything else is not looked up, and is repeated cut to a few dozen characters', async () => {
    expect(isJobId('job-1a2b3c4d')).toBe(true);
    for (const bad of ['', 'job-', 'job-XYZ', `job-${'a'.repeat(100)}`, '1a2b3c4d', 'job-1a2b3c4d\n'])
      expect(isJobId(bad)).toBe(false);
    const huge = 'x'.repeat(1_000_000);
    expect(shownId(huge).length).toBeLessThan(50);
    expect(shownId('job-1a2b3c4d')).toBe('job-1a2b3c4d');
    expect(await new JobStore(tempDir('ollm-bounds-')).get('agent-a', huge)).toBeUndefined();
  });
});
