/**
 * A tool call run as an MCP task (server/tasks.ts): the task layer calls the tool's handler with a
 * context of its own, marked here with the job it runs as (orchestrator/jobs/long-work.ts). The
 * tool then runs straight through under that job: no client limit to hand over before
 * (define.ts), no second job of its own (long-call.ts asJob), no form to ask the user with —
 * the client polls the task, it does not wait on the call.
 */
import type { JobControl } from '../orchestrator/jobs/long-work.js';
import type { ClientLimit } from '../orchestrator/config/client-limits.js';

const running = new WeakMap<object, JobControl>();

/** `ctx` marked as the context of a call that runs as a task, under its job's `control`. */
export function asTaskContext<C extends object>(ctx: C, control: JobControl): C {
  running.set(ctx, control);
  return ctx;
}

/** The job a call runs as when it is a task's; undefined for any other call. */
export function taskControl(ctx: object): JobControl | undefined {
  return running.get(ctx);
}

/** How long a task's client waits for it: as long as it takes (it polls the task). */
export const TASK_LIMIT: ClientLimit = { seconds: undefined, source: 'an MCP task, whose client polls for its result' };
