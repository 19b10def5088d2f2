/**
 * Split jobs' parts not yet begun, told to the hosts of their copies (loading/parts-backlog.ts, jobs/split-backlog.ts;
 * issue 82): each host counts its share of every other job's parts left, a part begun lowers it, the job's end
 * takes it away everywhere.
 */
import { describe, expect, it } from 'vitest';
import { PartsBacklog } from '../../src/orchestrator/loading/parts-backlog.js';
import { HostRequests } from '../../src/orchestrator/loading/host-requests.js';
import { jobBacklog } from '../../src/orchestrator/jobs/split-backlog.js';
import type { SplitPlan } from '../../src/orchestrator/route/offload-types.js';

describe('PartsBacklog', () => {
  it("sums each other job's share of its parts left on a model, rounded up, by the model's tagged name", () => {
    const b = new PartsBacklog();
    const a = { left: 10 };
    const c = { left: 3 };
    b.add('llama3.1:8b', a, 0.5);
    b.add('llama3.1:8b', c, 1 / 3);
    b.add('phi3', { left: 7 }, 1); // phi3:latest
    expect(b.on('llama3.1:8b')).toBe(5 + 1);
    expect(b.on('llama3.1:8b', a)).toBe(1); // a job does not wait behind itself
    expect(b.on('phi3:latest')).toBe(7);
    expect(b.on('phi3:mini')).toBe(0);
    a.left = 3; // three of its parts left: ceil(1.5)
    expect(b.on('llama3.1:8b')).toBe(2 + 1);
    b.remove(a);
    b.remove(c);
    expect(b.on('llama3.1:8b')).toBe(0);
  });
});

/** A plan of `parts` parts over `copies` (host, slots), its hosts' loaders real. */
function planOver(parts: number, copies: Array<[string, number]>, loaders: Map<string, HostRequests>) {
  const host = (name: string) => ({ name, loader: loaders.get(name)! });
  const plan = {
    model: 'llama3.1:8b',
    host: host(copies[0]?.[0] ?? 'a'),
    copies: copies.map(([h, slots]) => ({ host: h, slots, window: 8192 })),
    parts: Array.from({ length: parts }, () => ({})),
    route: { placement: { views: [...loaders.keys()].map((name) => ({ host: host(name) })) } },
  };
  return plan as unknown as Pick<SplitPlan, 'model' | 'host' | 'copies' | 'parts' | 'route'>;
}

describe('jobBacklog', () => {
  it("tells each copy's host its share of the job's slots, lowers it as parts begin, and ends everywhere", () => {
    const loaders = new Map([
      ['a', new HostRequests(() => 0, 'a')],
      ['b', new HostRequests(() => 0, 'b')],
    ]);
    const job = jobBacklog(
      planOver(
        12,
        [
          ['a', 1],
          ['b', 2],
        ],
        loaders,
      ),
    );
    expect(loaders.get('a')!.backlog.on('llama3.1:8b')).toBe(4); // a third of 12
    expect(loaders.get('b')!.backlog.on('llama3.1:8b')).toBe(8);
    for (let i = 0; i < 6; i++) job.begun();
    expect(loaders.get('a')!.backlog.on('llama3.1:8b')).toBe(2);
    expect(loaders.get('b')!.backlog.on('llama3.1:8b')).toBe(4);
    job.end();
    expect(loaders.get('a')!.backlog.on('llama3.1:8b')).toBe(0);
    expect(loaders.get('b')!.backlog.on('llama3.1:8b')).toBe(0);
  });

  it('puts a plan naming no copies on its own host, whole, and never counts below nothing', () => {
    const loaders = new Map([['a', new HostRequests(() => 0, 'a')]]);
    const job = jobBacklog(planOver(2, [], loaders));
    expect(loaders.get('a')!.backlog.on('llama3.1:8b')).toBe(2);
    for (let i = 0; i < 5; i++) job.begun(); // a part asked again begins again
    expect(loaders.get('a')!.backlog.on('llama3.1:8b')).toBe(0);
    job.end();
  });
});
