/**
 * A call's reporting (tools/call-reporting.ts callReporter): progress goes to the client only while
 * the call is open and only when it asked (a progressToken); every line goes to the job the call runs
 * as, asked or not — so tasks/get and a job's resource move — and a call handed over keeps its
 * reporter for its job, silent to the client, until the work ends.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { callReporter } from '../../src/tools/call-reporting.js';

function context(token?: string) {
  const sent: string[] = [];
  const ctx = { mcpReq: { _meta: token === undefined ? {} : { progressToken: token }, notify: async (n: { params: { message: string } }) => void sent.push(n.params.message), log: async () => undefined } } as unknown as ServerContext;
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

  it('no one listening (no progress token, no job yet): nothing measured or timed; a job that comes hears the next phase', async () => {
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
  });

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
});
