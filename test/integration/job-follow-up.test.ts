/**
 * show_status {job} (tools/job-follow-up.ts, issue 62) over a real job store and savings ledger: a
 * handed-over job collected by its id — how far it is while it runs (never a part's text), its whole
 * result once, then a short note; a job that failed, or another agent's, an error saying what to
 * do; and every hand-over and follow-up counted in the ledger, so what it says was saved is net.
 */
import { describe, expect, it } from 'vitest';
import { LongWork, JobError } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { HAND_OVERS, SavingsStore } from '../../src/orchestrator/stores/savings-store.js';
import { asJob } from '../../src/tools/long-call.js';
import { collectJob } from '../../src/tools/job-follow-up.js';
import { tempDir } from '../helpers/temp.js';

const PRICES = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };

function setup() {
  const home = tempDir('ollm-follow-up-');
  const orch = { longWork: new LongWork(new JobStore(home)), savings: new SavingsStore(home, PRICES) };
  const ctx = (agent = 'claude-code', seconds: number | undefined = 60, signal = new AbortController().signal) =>
    ({
      orch,
      agent,
      signal,
      clientLimit: { seconds, source: 'test' },
      scope: () => 'project A',
      rawArgs: { job: 'x' },
      phases: undefined,
    }) as never;
  let release!: (text: string) => void;
  const gate = new Promise<string>((r) => (release = r));
  const work = async (control: { part(t: string): void; status(u: { partsTotal?: number }): void }) => {
    control.status({ partsTotal: 3 });
    control.part('app.log lines 1-900: SECRET-PART-ANSWER');
    const text = await gate;
    return { structured: { text, model: 'm' }, text };
  };
  return { orch, ctx, work, release };
}

/** A call handed over at once (a 1 s limit: answered at 1 s), its job running on. */
async function handedJob(s: ReturnType<typeof setup>): Promise<string> {
  const out = (await asJob(
    s.ctx('claude-code', 1),
    { tool: 'route_and_generate', key: 'k' },
    s.work as never,
    (job, text) => ({ job, text }),
  )) as { structured: { job: { id: string } }; text: string };
  expect(out.text).not.toContain('SECRET-PART-ANSWER'); // how far, never what a part said
  expect(out.text).toContain(`call show_status with {"job":"${out.structured.job.id}"}`);
  return out.structured.job.id;
}

describe('show_status {job}', () => {
  it('while the job runs: how far it is in a line, never a part’s text', async () => {
    const s = setup();
    const id = await handedJob(s);
    const out = await collectJob(s.ctx('claude-code', 6), id); // waits 1 s (6 s less the 5 s margin)
    expect(out.structured.job).toMatchObject({ id, state: 'running', partsDone: 1, partsTotal: 3 });
    expect(out.text).toMatch(new RegExp(`^Job ${id} \\(route_and_generate\\) is still running: 1 of 3 parts done`));
    expect(out.text).not.toContain('SECRET-PART-ANSWER');
    expect(out.text.length).toBeLessThan(400);
    s.release('done');
  });

  it('done: the whole result as the tool gave it, once; asked again, a short note of when it was sent', async () => {
    const s = setup();
    const id = await handedJob(s);
    s.release('THE WHOLE ANSWER');
    const first = await collectJob(s.ctx(), id);
    expect(first.text).toBe('THE WHOLE ANSWER');
    expect(first.structured).toMatchObject({
      job: { id, state: 'done', partsDone: 1, partsTotal: 3 },
      result: { text: 'THE WHOLE ANSWER', model: 'm' },
    });
    expect(Date.parse(first.structured.job.updatedAt!)).toBeGreaterThan(0);
    const again = await collectJob(s.ctx(), id);
    expect(again.text).not.toContain('THE WHOLE ANSWER');
    expect(again.text).toMatch(
      /result \(16 characters\) was returned to you at \d\d:\d\d:\d\d UTC; it is not sent twice/,
    );
    expect(again.structured).toEqual({ job: expect.objectContaining({ id, state: 'done' }) });
  });

  it('a call its client cancelled never got the result: the next one gets it whole', async () => {
    const s = setup();
    const id = await handedJob(s);
    s.release('THE WHOLE ANSWER');
    const cancelled = new AbortController();
    cancelled.abort();
    expect((await collectJob(s.ctx('claude-code', 60, cancelled.signal), id)).text).toBe('THE WHOLE ANSWER');
    expect((await collectJob(s.ctx(), id)).text).toBe('THE WHOLE ANSWER');
    expect((await collectJob(s.ctx(), id)).text).toContain('it is not sent twice');
  });

  it('another agent’s job, an unknown id, or one not of a job’s shape: an error saying where the caller’s own are', async () => {
    const s = setup();
    const id = await handedJob(s);
    await expect(collectJob(s.ctx('cursor-vscode'), id)).rejects.toThrow(
      new JobError(
        `No job ${id} of yours: an unknown id, another client's, or one that ended and is no longer ` +
          `kept (jobs are kept 24 h after they end, tasks as long as their ttl). show_status lists ` +
          `your jobs (tasks/list your tasks).`,
      ),
    );
    await expect(collectJob(s.ctx(), 'job-00000000')).rejects.toThrow(/^No job job-00000000 of yours/);
    await expect(collectJob(s.ctx(), '../../etc/passwd')).rejects.toThrow(/^No job "\.\.\/\.\.\/etc\/passwd" of yours/);
    s.release('x');
  });

  it('a job that failed: an error naming why and what to do', async () => {
    const s = setup();
    const out = (await asJob(
      s.ctx('claude-code', 1),
      { tool: 'compare', key: 'k2' },
      () => new Promise((_, reject) => setTimeout(() => reject(new Error('the engine went away')), 1500)),
      (job, text) => ({ job, text }),
    )) as { structured: { job: { id: string } } };
    await expect(collectJob(s.ctx(), out.structured.job.id)).rejects.toThrow(
      `Job ${out.structured.job.id} (compare) failed: the engine went away. Call compare again once that is fixed.`,
    );
  });

  it('a job whose result is no tool output: an error saying to call the tool again, never a blank answer', async () => {
    const s = setup();
    const out = (await asJob(
      s.ctx('claude-code', 1),
      { tool: 'pull_model', key: 'k3' },
      () => new Promise((r) => setTimeout(() => r('a bare string' as never), 1200)),
      (job, text) => ({ job, text }),
    )) as { structured: { job: { id: string } } };
    await expect(collectJob(s.ctx(), out.structured.job.id)).rejects.toThrow(
      `Job ${out.structured.job.id} kept no result a client can be given: call pull_model again.`,
    );
  });

  it('counts what each hand-over and follow-up cost the agent in the ledger: no call of its own, nothing saved', async () => {
    const s = setup();
    const id = await handedJob(s);
    await collectJob(s.ctx('claude-code', 6), id);
    const byModel = s.orch.savings.summary().byModel.find((m) => m.model === HAND_OVERS);
    expect(byModel).toMatchObject({ calls: 0, self: { in: 0, out: 0 } });
    expect(byModel!.call.in).toBeGreaterThan(80); // two short texts read
    expect(byModel!.savedTokens).toBe(-(byModel!.call.in + byModel!.call.out));
    expect(s.orch.savings.summary().total.calls).toBe(0);
    s.release('x');
  });
});
