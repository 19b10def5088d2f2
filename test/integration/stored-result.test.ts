/**
 * A kept result returned again (issue 83, finding 5: the same question again answered in 0.1 s with the
 * earlier job's 4,887 characters, its "1620 tokens in 121.8 s" and its "Saved you ~155k tokens" — an agent
 * read a new 122 s run): the same call after its handed-over job ended gets that job's result said to be
 * one — which job, when, not run again, its ledger line not told again, `job.stored` in the structured
 * result — and how to run it anew: show_status {cancelJob} sets the result aside, and the same call runs.
 */
import { describe, expect, it } from 'vitest';
import { LongWork } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { SavingsStore } from '../../src/orchestrator/stores/savings-store.js';
import { asJob, ownerOf } from '../../src/tools/long-call.js';
import { tempDir } from '../helpers/temp.js';

const PRICES = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };
const LEDGER = 'Saved you ~155k tokens (≈ $0.47): this job with its hand-overs cost you 1.7k, doing it yourself ~157k.';
const ANSWER = 'The log shows 3 errors.\n\n— qwen2.5:14b: 1620 tokens in 121.8 s.';

type Out = { structured: { text: string; job?: Record<string, unknown> }; text: string };

function setup() {
  const home = tempDir('ollm-stored-');
  const orch = { longWork: new LongWork(new JobStore(home)), savings: new SavingsStore(home, PRICES) };
  const ctx = (seconds: number) =>
    ({
      orch,
      agent: 'claude-code',
      signal: new AbortController().signal,
      clientLimit: { seconds, source: 'test' },
      scope: () => 'project A',
      rawArgs: { prompt: 'List the errors in this log.' },
      phases: undefined,
    }) as never;
  let runs = 0;
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  const call = async (seconds: number) =>
    (await asJob(
      ctx(seconds),
      { tool: 'route_and_generate', key: 'same-question' },
      async () => {
        runs++;
        await gate;
        const text = `${ANSWER}\n${LEDGER}`;
        return { structured: { text }, text };
      },
      (job, text) => ({ job, text }),
    )) as unknown as Out;
  const owner = ownerOf({ agent: 'claude-code', orch: {} });
  /** This server gone once its jobs are kept, another of the same home in its place: results from the database. */
  const restart = async () => {
    const live = (orch.longWork as unknown as { live: Map<string, unknown> }).live;
    while (live.size > 0) await new Promise((r) => setTimeout(r, 10));
    orch.longWork = new LongWork(new JobStore(home));
  };
  return {
    orch,
    owner,
    restart,
    call,
    runs: () => runs,
    release: () => release(),
    rearm: () => void (gate = new Promise<void>((r) => (release = r))),
  };
}

describe('the same call after its job ended', () => {
  it('gets the stored result said as one — which job, when, not run again, no saving told again', async () => {
    const s = setup();
    const handed = await s.call(1); // answered at 1 s, the job running on
    const id = handed.structured.job!.id as string;
    expect(handed.text).toMatch(/^Handed over as job /);
    s.release();
    expect((await s.orch.longWork.wait(s.owner, id, 5000))?.kind).toBe('result');

    const again = await s.call(60);
    expect(s.runs()).toBe(1); // not run again
    expect(again.text).toMatch(
      new RegExp(
        `^Stored result of job ${id} from \\d\\d:\\d\\d UTC \\(\\d+ s ago\\), not run again: the figures below are ` +
          `that run's\\. To run it anew, call show_status with \\{"cancelJob":"${id}"\\}`,
      ),
    );
    expect(again.text.endsWith(ANSWER)).toBe(true); // the answer whole, the stored run's figures after the header
    expect(again.text).not.toContain('Saved you'); // told with the first delivery, not as a new saving
    expect(again.structured.job).toMatchObject({ id, state: 'done', stored: true });
    expect(again.structured.text).toContain(ANSWER);
    // the same from the state database, in another server of this home
    await s.restart();
    const kept = await s.call(60);
    expect(s.runs()).toBe(1);
    expect(kept.text).toMatch(
      new RegExp(`^Stored result of job ${id} from \\d\\d:\\d\\d UTC \\(\\d+ s ago\\), not run again`),
    );
    expect(kept.text).not.toContain('Saved you');
    expect(kept.structured.job).toMatchObject({ id, state: 'done', stored: true });
  }, 20_000);

  it('runs anew once show_status {cancelJob} set the stored result aside; still collected by its id', async () => {
    const s = setup();
    const id = (await s.call(1)).structured.job!.id as string;
    s.release();
    await s.orch.longWork.wait(s.owner, id, 5000);
    expect(await s.orch.longWork.stop(s.owner, id)).toEqual({ kind: 'ended', state: 'done', setAside: true });
    s.rearm();
    s.release();
    const fresh = await s.call(60);
    expect(s.runs()).toBe(2);
    expect(fresh.text).toBe(`${ANSWER}\n${LEDGER}`); // a run of its own, said as one
    expect(fresh.structured.job).toBeUndefined();
    expect((await s.orch.longWork.wait(s.owner, id, 1000))?.kind).toBe('result');
  }, 20_000);

  it('the other side: a call answered whole in time is no job, and the same call again runs anew', async () => {
    const s = setup();
    s.release();
    const first = await s.call(60);
    const second = await s.call(60);
    expect(s.runs()).toBe(2);
    for (const out of [first, second]) expect(out.text).toBe(`${ANSWER}\n${LEDGER}`);
  }, 20_000);
});
