// A wait for room never waits on itself (issue 55, finding 10): a load refused only because busy
// models stand in its way waits for them to end — unless one of them is held by the load's own job
// (compare holds each model of a group while the group loads), which waits on this very load.
import { describe, expect, it } from 'vitest';
import { loadWhenIdle } from '../../src/orchestrator/loading/busy-wait.js';
import { InFlight } from '../../src/orchestrator/loading/in-flight.js';
import type { LoadOutcome, LoadRequest } from '../../src/orchestrator/loading/load-types.js';

const refused: LoadOutcome = {
  model: 'b:8b',
  action: 'refused',
  unloaded: [],
  requiredBytes: 20e9,
  availableBytes: 10e9,
  reason: 'b:8b needs 20 GB; a:8b (14 GB, busy) must stay.',
  keepAlive: '5m',
  pinned: false,
  contextLength: 65536,
  waitFor: ['a:8b'],
};
const loaded: LoadOutcome = {
  ...refused,
  action: 'loaded',
  unloaded: ['a:8b'],
  reason: 'Needs 20 GB; unloading a:8b first.',
};

/** A loader that refuses while a:8b has requests running, and loads once it has none. */
function loader(running: InFlight) {
  let tries = 0;
  const loadOnce = async (_req: LoadRequest) => {
    tries++;
    return running.count('a:8b') > 0 ? refused : loaded;
  };
  return { loadOnce, tries: () => tries };
}

describe('loadWhenIdle', () => {
  it('does not wait for a model its own job holds: the refusal stands at once, saying why', async () => {
    const running = new InFlight();
    const job = {};
    const mark = running.begin('a:8b', { at: 0, job });
    const notes: string[] = [];
    const l = loader(running);
    const out = await loadWhenIdle(
      {
        model: 'b:8b',
        waitWhileBusy: true,
        job,
        progress: { enter: (p) => p.kind === 'waiting' && notes.push(p.for) },
      },
      l.loadOnce,
      running,
      (n) => n,
    );
    expect(out.action).toBe('refused');
    expect(out.waitFor).toEqual(['a:8b']);
    expect(out.reason).toContain(
      'a:8b is held by this same job, waiting on this load, so it was not waited for: b:8b cannot ' +
        'be resident beside it.',
    );
    expect(l.tries()).toBe(1);
    expect(notes).toEqual([]);
    mark();
  });

  it("waits for another job's request on the model to end, then loads", async () => {
    const running = new InFlight();
    const other = running.begin('a:8b', { at: 0, job: {} });
    const notes: string[] = [];
    const l = loader(running);
    const out = loadWhenIdle(
      {
        model: 'b:8b',
        waitWhileBusy: true,
        job: {},
        progress: { enter: (p) => p.kind === 'waiting' && notes.push(p.for) },
      },
      l.loadOnce,
      running,
      (n) => n,
    );
    await new Promise((r) => setImmediate(r));
    expect(notes).toEqual(['a request on a:8b to finish, to make room']);
    other();
    expect((await out).action).toBe('loaded');
    expect(l.tries()).toBe(2);
  });

  it('waits for a request of no job as before', async () => {
    const running = new InFlight();
    const plain = running.begin('a:8b');
    const l = loader(running);
    const out = loadWhenIdle({ model: 'b:8b', waitWhileBusy: true, job: {} }, l.loadOnce, running, (n) => n);
    await new Promise((r) => setImmediate(r));
    expect(l.tries()).toBe(1);
    plain();
    expect((await out).action).toBe('loaded');
  });
});
