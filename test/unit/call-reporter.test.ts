/**
 * A call's reporting (tools/call-reporting.ts callReporter): progress goes to the client only while
 * the call is open and only when it asked (a progressToken); every line goes to the job the call runs
 * as, asked or not — so tasks/get and a job's resource move — and a call handed over keeps its
 * reporter for its job, silent to the client, until the work ends.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { callReporter, RELAYED_QUIET_MS } from '../../src/tools/call-reporting.js';

function context(token?: string) {
  const sent: string[] = [];
  const ctx = {
    mcpReq: {
      _meta: token === undefined ? {} : { progressToken: token },
      notify: async (n: { params: { message: string } }) => void sent.push(n.params.message),
      log: async () => undefined,
    },
  } as unknown as ServerContext;
  return { ctx, sent };
}
const server = {} as McpServer;

afterEach(() => {
  vi.useRealTimers();
});

describe('a call’s reporting', () => {
  it('without a progress token: nothing to the client, every line to its job', () => {
    const { ctx, sent } = context();
    const { phases, lines, answered } = callReporter(ctx, server, 2000, []);
    const job: string[] = [];
    lines.to = (line) => job.push(line);
    phases.enter({ kind: 'starting', what: 'reading 1 file path' });
    phases.enter({ kind: 'evaluating', model: 'm', promptTokens: 900 });
    expect(sent).toEqual([]);
    expect(job).toEqual(['reading 1 file path', 'm: evaluating the prompt (~900 tokens), 0 s']);
    answered();
  });

  it(
    'no one listening (no progress token, no job yet): nothing measured or timed; a job that ' +
      'comes hears the next phase',
    async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { ctx, sent } = context();
      const { phases, lines, answered } = callReporter(ctx, server, 2000, []);
      phases.enter({ kind: 'starting', what: 'reading 1 file path' });
      expect(vi.getTimerCount()).toBe(0); // no heartbeat for no one
      const job: string[] = [];
      lines.to = (line) => job.push(line);
      phases.enter({ kind: 'starting', what: 'choosing a model' });
      expect(job).toEqual(['choosing a model']);
      expect(vi.getTimerCount()).toBe(1); // its heartbeat, now that a job hears it
      expect(sent).toEqual([]);
      answered();
    },
  );

  it('a task’s call: its lines reach the task from the start', () => {
    const { ctx } = context();
    const task: string[] = [];
    const { phases, answered } = callReporter(ctx, server, 2000, [], { progress: (l) => task.push(l) });
    phases.enter({ kind: 'starting', what: 'choosing a model' });
    expect(task).toEqual(['choosing a model']);
    answered();
  });

  it('handed over: the client hears nothing more, the job goes on hearing its heartbeat until the work ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { ctx, sent } = context('t1');
    const { phases, lines, answered } = callReporter(ctx, server, 2000, []);
    const job: string[] = [];
    lines.to = (line) => job.push(line);
    phases.enter({ kind: 'starting', what: 'part 1 of 3' });
    expect(sent).toEqual(['part 1 of 3']);
    let end!: () => void;
    lines.outlive(new Promise<void>((r) => (end = r)));
    answered();
    await vi.advanceTimersByTimeAsync(4100); // two heartbeats
    expect(sent).toEqual(['part 1 of 3']);
    expect(job.length).toBe(3);
    end();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(4100);
    expect(job.length).toBe(3); // closed with the work
  });

  it('answered whole: the reporter stops, nothing more to anyone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { ctx, sent } = context('t2');
    const { phases, lines, answered } = callReporter(ctx, server, 2000, []);
    const job: string[] = [];
    lines.to = (line) => job.push(line);
    phases.enter({ kind: 'starting', what: 'x' });
    answered();
    await vi.advanceTimersByTimeAsync(6000);
    expect(sent).toEqual(['x']);
    expect(job).toEqual(['x']);
  });

  it(
    'relayed by another ollm-mcp (quietMs): answered within it, the client is sent nothing — ' +
      'its job hears every line',
    async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const { ctx, sent } = context('t3');
      const { phases, lines, answered } = callReporter(ctx, server, 2000, [], undefined, RELAYED_QUIET_MS);
      const job: string[] = [];
      lines.to = (line) => job.push(line);
      phases.enter({ kind: 'starting', what: 'choosing a model' });
      await vi.advanceTimersByTimeAsync(RELAYED_QUIET_MS - 10);
      phases.enter({ kind: 'starting', what: 'loading' });
      answered();
      await vi.advanceTimersByTimeAsync(5000);
      expect(sent).toEqual([]);
      expect(job).toEqual(['choosing a model', 'loading']);
    },
  );

  it('relayed, still running when the quiet ends: the latest phase is sent then, and every later one at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { ctx, sent } = context('t4');
    const { phases, answered } = callReporter(ctx, server, 2000, [], undefined, RELAYED_QUIET_MS);
    phases.enter({ kind: 'starting', what: 'choosing a model' });
    phases.enter({ kind: 'starting', what: 'loading' });
    await vi.advanceTimersByTimeAsync(RELAYED_QUIET_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(['loading']);
    phases.enter({ kind: 'starting', what: 'answering' });
    expect(sent).toEqual(['loading', 'answering']);
    answered();
  });

  it('not relayed (no quietMs): the first phase is sent at once', () => {
    const { ctx, sent } = context('t5');
    const { phases, answered } = callReporter(ctx, server, 2000, []);
    phases.enter({ kind: 'starting', what: 'choosing a model' });
    expect(sent).toEqual(['choosing a model']);
    answered();
  });
});
