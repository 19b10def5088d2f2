// A plain long call's job is its agent's in its scope (issue 61, finding 2): the key hashes where the
// call could read — its project or working folder, the client's roots it read in, the roots settings
// allow — and the settings its client keeps, as well as its arguments and what it read. The same
// call of the same agent in another project runs its own work; in the same scope it attaches.
import { describe, expect, it } from 'vitest';
import { LongWork } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { callScope } from '../../src/tools/call-scope.js';
import { asJob } from '../../src/tools/long-call.js';
import type { ToolContext } from '../../src/tools/tool-types.js';
import { tempDir } from '../helpers/temp.js';

type Orch = Parameters<typeof callScope>[0];
const session = (folder: string, over: { roots?: string[]; model?: string; explicit?: boolean } = {}): Orch =>
  ({
    project: { root: folder, explicit: over.explicit ?? false },
    workingDir: folder,
    config: {
      settings: {
        inputs: { roots: over.roots ?? [] },
        model: { default: over.model, routing: { defaultProfile: undefined } },
      },
    },
  }) as unknown as Orch;

describe("a call's scope", () => {
  it(
    'differs by folder, by the roots its inputs were read in, by the roots settings allow and ' +
      'by the client’s own model; the same session gives the same',
    () => {
      const a = callScope(session('/p/a'), ['/r1']);
      expect(callScope(session('/p/a'), ['/r1'])).toBe(a);
      for (const other of [
        callScope(session('/p/b'), ['/r1']),
        callScope(session('/p/a'), ['/r2']),
        callScope(session('/p/a'), undefined),
        callScope(session('/p/a', { roots: ['/x'] }), ['/r1']),
        callScope(session('/p/a', { model: 'qwen' }), ['/r1']),
        callScope(session('/p/a', { explicit: true }), ['/r1']),
      ])
        expect(other).not.toBe(a);
    },
  );
});

describe('a plain long call', () => {
  it('of one agent in another scope runs its own job; in the same scope it attaches to the running one (run once)', async () => {
    const jobs = new LongWork(new JobStore(tempDir('ollm-scope-')));
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = async () => {
      runs++;
      await gate;
      return { structured: { text: 'answer' }, text: 'answer' };
    };
    const ctx = (scope: string, seconds?: number) =>
      ({
        orch: { longWork: jobs, savings: { recordOverhead: () => undefined } },
        agent: 'claude-code',
        signal: new AbortController().signal,
        clientLimit: { seconds, source: 'test' },
        scope: () => scope,
      }) as unknown as Pick<ToolContext, 'orch' | 'agent' | 'signal' | 'clientLimit' | 'job' | 'scope'>;
    // the same tool, arguments and contents read (the same notes.txt text) in two projects
    const call = { tool: 'route_and_generate', key: 'same-args-same-contents' };
    const handed = (job: unknown, text: string) => ({ text, job });
    // A's call outlasts its client's limit (2 s: handed over after 1 s), its job running on
    const inA = await asJob(ctx('project A', 2), call, work, handed);
    expect(inA).toMatchObject({ structured: { job: { state: 'running' } } });
    const inB = asJob(ctx('project B'), call, work, handed);
    await expect.poll(() => runs).toBe(2); // its own work: not A's
    const againInA = asJob(ctx('project A'), call, work, handed); // attaches to A's job, running or done
    release();
    expect(await inB).toMatchObject({ text: 'answer' });
    expect(await againInA).toMatchObject({ text: 'answer' });
    expect(runs).toBe(2); // A's twice ran once
  });
});
