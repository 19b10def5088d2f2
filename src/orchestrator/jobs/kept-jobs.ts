/**
 * A job as the state database keeps it, waited for (long-work.ts `wait`): one that ended, or one
 * another ollm-mcp server of this home runs — read again every ELSEWHERE_POLL_MS until it ends
 * there or the wait is up, so a follow-up call waits as it would for a job running here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobStore } from '../stores/job-store.js';
import { nowOfKept } from './job-live.js';
import type { Waited } from './job-types.js';

/** How often a wait reads again a job another server of this home runs. */
const ELSEWHERE_POLL_MS = 1000;

/** `owner`'s job `id` as kept: its result, how far it is, or how it ended; undefined when it is no job of theirs. */
async function keptJob(store: JobStore, owner: string, id: string): Promise<Waited | undefined> {
  const job = await store.get(owner, id);
  if (!job) return undefined;
  if (job.state === 'done') return { kind: 'result', job, result: job.result };
  if (job.state === 'running') return { kind: 'running', job, now: nowOfKept(job), parts: job.parts ?? [] };
  return { kind: 'ended', job };
}

/** `keptJob`, read again while it runs elsewhere, up to `withinMs` (undefined or 0: once). */
export async function waitKept(
  store: JobStore,
  owner: string,
  id: string,
  withinMs: number | undefined,
): Promise<Waited | undefined> {
  const until = withinMs === undefined ? 0 : Date.now() + withinMs;
  let kept = await keptJob(store, owner, id);
  while (kept?.kind === 'running' && Date.now() + ELSEWHERE_POLL_MS <= until) {
    await sleep(ELSEWHERE_POLL_MS);
    kept = await keptJob(store, owner, id);
  }
  return kept;
}
