/**
 * The agents of `npm run bench -- long-call` (bench/long-call.ts): each makes one call and then
 * does what the texts it gets back say, as an agent does, and counts what that cost it — every
 * character of result text it read, every call, and when the whole answer arrived.
 */
import type { Client } from '@modelcontextprotocol/client';

type Result = { content?: unknown; structuredContent?: unknown; isError?: boolean };
type Call = { name: string; arguments: Record<string, unknown> };
type Options = Parameters<Client['callTool']>[1];
type Around = <T>(f: () => Promise<T>) => Promise<T>;

export interface Walk {
  /** Each call: the tool, when it was asked (s from the first), how long its answer took, and what came back. */
  calls: Array<{ name: string; atSeconds: number; tookSeconds: number; got: string; chars: number }>;
  /** Every character of result text read, over all calls. */
  read: number;
  /** The whole answer's text (the result that carried no running job), and when it arrived. */
  whole?: string;
  wholeAtSeconds?: number;
  /** Why the walk stopped without the whole answer. */
  stopped?: string;
}

export const textOf = (r: Result): string =>
  ((r.content as Array<{ text?: string }> | undefined) ?? []).map((c) => c.text ?? '').join('');
const runningJob = (r: Result) => {
  const job = (r.structuredContent as { job?: { id: string; state: string } } | undefined)?.job;
  return job?.state === 'running' ? job : undefined;
};

/**
 * What a hand-over's text tells the agent to call next: `show_status` with the arguments it
 * quotes (issue 62), or the same call again when the text says so (issue 56's hand-over).
 */
export function nextCall(text: string, last: Call, first: Call): Call | undefined {
  const quoted = /show_status with (\{[^}]*"job"[^}]*\})/.exec(text)?.[1];
  if (quoted) return { name: 'show_status', arguments: JSON.parse(quoted) as Record<string, unknown> };
  if (/again with the same arguments/.test(text))
    return new RegExp(`Call ${first.name} again`).test(text) ? first : last;
  return undefined;
}

/**
 * `first`, then what each answer says to call, until the whole answer (a result with no running
 * job), an error, or `maxCalls`. A call the client gave up on (its timeout) is asked again, as an
 * agent retries a timed-out call.
 */
export async function walk(
  client: Client,
  first: Call,
  how: { options?: Options; around?: Around } = {},
  maxCalls = 12,
): Promise<Walk> {
  const around = how.around ?? ((f) => f());
  const t0 = performance.now();
  const out: Walk = { calls: [], read: 0 };
  const at = () => (performance.now() - t0) / 1000;
  let call: Call | undefined = first;
  while (call && out.calls.length < maxCalls) {
    const asked = at();
    const entry = { name: call.name, atSeconds: asked, tookSeconds: 0, got: '', chars: 0 };
    out.calls.push(entry);
    let r: Result;
    try {
      const c = call;
      r = (await around(() => client.callTool(c, how.options))) as Result;
    } catch (err) {
      entry.tookSeconds = at() - asked;
      entry.got = `no answer: ${(err as Error).message.slice(0, 60)}`;
      continue; // the same call again
    }
    entry.tookSeconds = at() - asked;
    const text = textOf(r);
    entry.chars = text.length;
    out.read += text.length;
    const job = runningJob(r);
    if (r.isError) {
      entry.got = `an error: ${text.slice(0, 80)}`;
      out.stopped = entry.got;
      return out;
    }
    if (!job) {
      entry.got = 'the whole answer';
      out.whole = text;
      out.wholeAtSeconds = at();
      return out;
    }
    entry.got = `handed over (${job.id})`;
    call = nextCall(text, call, first);
    if (!call) out.stopped = `a hand-over that names nothing to call: ${text.slice(0, 80)}`;
  }
  out.stopped ??= `no whole answer after ${maxCalls} calls`;
  return out;
}

/** A client that waits as Claude Code does: long, its limit reset by progress, which it records while a call is in the foreground. */
export function progressWatch() {
  let last = 0;
  let largestGapMs = 0;
  let count = 0;
  const options: Options = {
    timeout: 30 * 60_000,
    resetTimeoutOnProgress: true,
    onprogress: () => {
      const now = performance.now();
      largestGapMs = Math.max(largestGapMs, now - last);
      last = now;
      count++;
    },
  };
  return {
    options,
    /** Around each call: its start and its answer count as the ends of a gap. */
    around: async <T>(f: () => Promise<T>): Promise<T> => {
      last = performance.now();
      try {
        return await f();
      } finally {
        largestGapMs = Math.max(largestGapMs, performance.now() - last);
      }
    },
    figures: () => ({ largestGapSeconds: largestGapMs / 1000, notifications: count }),
  };
}

/** One row of calls, for the record: "route_and_generate handed over (job-…) at 0.0 s after 54.1 s (412 chars); …". */
export function callsLine(w: Walk): string {
  return w.calls
    .map(
      (c) =>
        `${c.name} ${c.got} at ${c.atSeconds.toFixed(1)} s after ${c.tookSeconds.toFixed(1)} s ` +
        `(${c.chars.toLocaleString('en')} chars)`,
    )
    .join('; ');
}
