// A job's resources are released when it ends (issue 61, finding 6): the server's `stopping`
// signal lives as long as the server, and each job listened on it; a listener never removed kept
// the job's whole call — over HTTP its McpServer, request and response, ~150 KB — for ever. After
// jobs end every way (done, failed, cancelled, handed over then done, begun as a task) the signal
// holds no listener and the call's work can be collected; while a job runs, stopping still cancels it.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LongWork, type JobCall, type JobControl } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { collected } from '../helpers/gc.js';
import { tempDir } from '../helpers/temp.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

/** Works that each end when told by name (done or failed), or wait to be cancelled. */
function held() {
  const ends = new Map<string, (how: 'done' | 'fail') => void>();
  const work =
    (name: string) =>
    (c: JobControl): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        c.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        ends.set(name, (how) => (how === 'done' ? resolve('ok') : reject(new Error('the engine is gone'))));
      });
  const end = (name: string, how: 'done' | 'fail' = 'done') => {
    ends.get(name)!(how);
    ends.delete(name);
  };
  return { work, end, started: () => ends.size };
}

const call = (key: string, work: JobCall<string>['work'], over: Partial<JobCall<string>> = {}): JobCall<string> => ({
  owner: 'agent-a',
  tool: 'route_and_generate',
  key,
  limitMs: undefined,
  signal: new AbortController().signal,
  work,
  ...over,
});

describe("a job's hold on the server", () => {
  it(
    'ended every way, its jobs leave no listener on the server’s stopping signal; a running one ' +
      'is still stopped by it',
    async () => {
      const stopping = new AbortController();
      const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')), stopping.signal);
      const h = held();
      const done = jobs.run(call('done', h.work('done')));
      const failed = jobs.run(call('failed', h.work('failed')));
      const cancel = new AbortController();
      const cancelled = jobs.run(call('cancelled', h.work('cancelled'), { signal: cancel.signal }));
      const handed = jobs.run(call('handed', h.work('handed'), { limitMs: 1200 })); // handed over within 1 s, then ends
      const task = await jobs.begin({
        owner: 'agent-a',
        tool: 'route_and_generate',
        key: 'task',
        work: h.work('task'),
      });
      await expect.poll(() => h.started()).toBe(5);
      expect(listeners(stopping.signal)).toBe(5); // each running job is stopped with the server
      h.end('done');
      h.end('failed', 'fail');
      cancel.abort(new Error('the client cancelled'));
      expect(await done).toMatchObject({ kind: 'result', result: 'ok' });
      await expect(failed).rejects.toThrow('the engine is gone');
      await expect(cancelled).rejects.toThrow('aborted');
      const out = await handed;
      expect(out.kind).toBe('handed');
      h.end('handed'); // handed over, it ends later
      h.end('task');
      expect(await jobs.wait('agent-a', task.id, undefined)).toMatchObject({ kind: 'result', result: 'ok' });
      await expect.poll(() => jobs.running().length).toBe(0);
      expect(listeners(stopping.signal)).toBe(0);

      // the other side: a job that runs now is still cancelled when the server stops
      const last = jobs.run(call('last', h.work('last')));
      await expect.poll(() => listeners(stopping.signal)).toBe(1);
      stopping.abort(new Error('stopping'));
      await expect(last).rejects.toThrow('aborted');
      await expect.poll(() => jobs.running().length).toBe(0);
      expect(listeners(stopping.signal)).toBe(0);
    },
  );

  it('an ended job’s work, and all it reached, can be collected; a running job’s is kept', async () => {
    const stopping = new AbortController();
    const jobs = new LongWork(new JobStore(tempDir('ollm-jobs-')), stopping.signal);
    const h = held();
    /**
     * A call whose work reaches an object of its own (as a tool's reaches its server, request and response);
     * only a WeakRef to it kept here.
     */
    const reaching = (key: string) => {
      const request = { body: 'x'.repeat(1000) };
      const outcome = jobs.run(
        call(key, (c) =>
          h
            .work(key)(c)
            .then((r) => `${r}${request.body.length}`),
        ),
      );
      return { ref: new WeakRef(request), outcome };
    };
    const ended = reaching('ended');
    const running = reaching('running');
    await expect.poll(() => h.started()).toBe(2);
    h.end('ended');
    expect(await ended.outcome).toMatchObject({ kind: 'result', result: 'ok1000' });
    await expect.poll(() => jobs.running().length).toBe(1);
    expect(await collected(ended.ref)).toBe(true);
    expect(await collected(running.ref)).toBe(false);
    h.end('running');
    expect(await running.outcome).toMatchObject({ kind: 'result', result: 'ok1000' });
  });
});
