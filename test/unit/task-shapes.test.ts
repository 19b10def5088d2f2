// A job as an MCP task (server/task-shapes.ts, protocol 2025-11-25): its status, its times and
// ttl, and what tasks/result returns for each way it ended.
import { describe, expect, it } from 'vitest';
import {
  asTask,
  callResult,
  POLL_INTERVAL_MS,
  TASK_LIST_MAX,
  TASK_TOOLS,
  TASK_TTL_MS,
  taskPayload,
  taskStatus,
  type TaskJob,
} from '../../src/server/task-shapes.js';
import { KEEP_MS, MAX_JOBS, type Job } from '../../src/orchestrator/stores/job-store.js';

const job = (over: Partial<Job> = {}): Job => ({
  id: 'job-1',
  owner: 'a',
  tool: 'route_and_generate',
  key: 'k',
  state: 'running',
  runner: 1,
  handed: true,
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  updatedAt: Date.UTC(2026, 0, 2, 3, 5, 0),
  ...over,
});
const RELATED = 'io.modelcontextprotocol/related-task';

describe('a job as a task', () => {
  it('its state as a status: running works, done completed, failed and lost failed, cancelled cancelled', () => {
    expect(taskStatus('running')).toBe('working');
    expect(taskStatus('done')).toBe('completed');
    expect(taskStatus('failed')).toBe('failed');
    expect(taskStatus('lost')).toBe('failed');
    expect(taskStatus('cancelled')).toBe('cancelled');
  });

  it('kept as long as the job store keeps a job, listed whole (as many as it keeps)', () => {
    expect(TASK_TTL_MS).toBe(KEEP_MS);
    expect(TASK_LIST_MAX).toBe(MAX_JOBS);
  });

  it('the long tools run as tasks, the quick ones do not', () => {
    for (const t of ['route_and_generate', 'compare', 'pull_model', 'create_model', 'render_template', 'smart_load'])
      expect(TASK_TOOLS.has(t)).toBe(true);
    for (const t of ['list_models', 'show_status', 'remember', 'unload_model']) expect(TASK_TOOLS.has(t)).toBe(false);
  });

  it('ISO times, the ttl, a poll interval while it works, its progress or why it failed', () => {
    const running: TaskJob = job({ progress: '2 of 5 parts' });
    expect(asTask(running)).toEqual({
      taskId: 'job-1',
      status: 'working',
      statusMessage: '2 of 5 parts',
      createdAt: '2026-01-02T03:04:05.000Z',
      lastUpdatedAt: '2026-01-02T03:05:00.000Z',
      ttl: TASK_TTL_MS,
      pollInterval: POLL_INTERVAL_MS,
    });
    expect(asTask(job({ state: 'done' }))).not.toHaveProperty('pollInterval');
    expect(asTask(job({ state: 'done' }))).not.toHaveProperty('statusMessage');
    expect(asTask(job({ state: 'failed', error: 'Ollama is not running' }))).toMatchObject({
      status: 'failed',
      statusMessage: 'Ollama is not running',
    });
    expect(asTask(job({ state: 'lost' }))).toMatchObject({
      status: 'failed',
      statusMessage: expect.stringMatching(/stopped with the ollm-mcp server.*call route_and_generate again/),
    });
    expect(asTask(job({ state: 'cancelled' }))).toMatchObject({ status: 'cancelled', statusMessage: 'cancelled' });
    // no error kept: the tool that failed
    expect(asTask(job({ state: 'failed' })).statusMessage).toBe('route_and_generate failed');
    expect(asTask(job({ state: 'running' }))).not.toHaveProperty('statusMessage'); // no progress yet
  });
});

describe('what tasks/result returns', () => {
  it("a task's own result as it is, marked with its task", () => {
    const r = { content: [{ type: 'text' as const, text: 'hi' }], structuredContent: { text: 'hi' } };
    expect(taskPayload({ kind: 'result', job: job({ state: 'done' }), result: r })).toEqual({
      ...r,
      _meta: { [RELATED]: { taskId: 'job-1' } },
    });
  });

  it(
    "a plain call's handed-over job: the tool's text and structured result, as the call would " + 'have been answered',
    () => {
      expect(callResult({ structured: { text: 'x', model: 'm' }, text: 'x' })).toEqual({
        content: [{ type: 'text', text: 'x' }],
        structuredContent: { text: 'x', model: 'm' },
      });
      // no structured result: none given
      expect(callResult({ structured: null, text: 'x' })).toEqual({ content: [{ type: 'text', text: 'x' }] });
      expect(callResult({ structured: 'x', text: 'x' })).toEqual({ content: [{ type: 'text', text: 'x' }] });
      expect(callResult(undefined)).toEqual({
        isError: true,
        content: [{ type: 'text', text: 'This job kept no result a client can be given: call the tool again.' }],
      });
      expect(callResult('junk')).toMatchObject({ isError: true });
    },
  );

  it("an ended job: the tool's error result — why it failed, that it was cancelled, that its server stopped", () => {
    const failed = taskPayload({ kind: 'ended', job: job({ state: 'failed', error: 'the model is not installed' }) });
    expect(failed).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'the model is not installed' }],
      _meta: { [RELATED]: { taskId: 'job-1' } },
    });
    expect(taskPayload({ kind: 'ended', job: job({ state: 'cancelled' }) })).toMatchObject({
      isError: true,
      content: [{ text: 'Task job-1 was cancelled before it ended.' }],
    });
    expect(
      taskPayload({ kind: 'ended', job: job({ state: 'cancelled', error: 'cancelled by its agent' }) }),
    ).toMatchObject({ content: [{ text: 'Task job-1 was cancelled before it ended: cancelled by its agent.' }] });
    expect(taskPayload({ kind: 'ended', job: job({ state: 'failed' }) })).toMatchObject({
      isError: true,
      content: [{ text: 'route_and_generate failed' }],
    });
    expect(taskPayload({ kind: 'ended', job: job({ state: 'lost' }) })).toMatchObject({
      isError: true,
      content: [{ text: expect.stringMatching(/stopped with the ollm-mcp server/) }],
    });
  });
});
