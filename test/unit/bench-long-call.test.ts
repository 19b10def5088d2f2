// The agent of `npm run bench -- long-call` (bench/long-call-agent.ts) does what a hand-over's text
// says and counts what it read: proven here on scripted answers, so the bench's figures are the
// server's and not the agent's misreading.
import { describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { nextCall, walk } from '../../bench/long-call-agent.js';

const first = { name: 'route_and_generate', arguments: { prompt: 'Summarise', files: ['app.log'] } };
const running = (text: string) => ({
  content: [{ type: 'text', text }],
  structuredContent: { text, job: { id: 'job-1a2b3c4d', state: 'running', partsDone: 5 } },
});
const issue62 =
  'Handed over as job job-1a2b3c4d, still running (your client waits 60 s): 5 of 11 parts ' +
  'done. Meanwhile go on with other work; then call show_status with {"job":"job-1a2b3c4d"}: ' +
  'it waits up to ~54 s and returns the whole result once it is done.';
const issue56 =
  'Partial — the answers of the 1 part done so far:\n\n[part 1]\nx\n\n— Still running as job ' +
  'job-1a2b3c4d, past what this client waits. Call route_and_generate again with the same ' +
  'arguments: it waits for this job and returns its whole result, never starting over.';

/**
 * A client answering each call with the next of `answers` (an Error thrown as the SDK's timeout is),
 * recording the calls.
 */
function scripted(answers: Array<object | Error>) {
  const calls: Array<{ name: string; arguments: unknown }> = [];
  const client = {
    callTool: async (c: { name: string; arguments: unknown }) => {
      calls.push(c);
      const a = answers.shift();
      if (!a) throw new Error('no more answers');
      if (a instanceof Error) throw a;
      return a;
    },
  } as unknown as Client;
  return { client, calls };
}

describe("the bench agent's next call", () => {
  it('follows the show_status call a hand-over quotes, with its arguments', () => {
    expect(nextCall(issue62, first, first)).toEqual({ name: 'show_status', arguments: { job: 'job-1a2b3c4d' } });
  });

  it("repeats the call the text names with the same arguments (issue 56's hand-over); names nothing: no call", () => {
    expect(nextCall(issue56, first, first)).toBe(first);
    expect(nextCall('Still running as job job-1a2b3c4d.', first, first)).toBeUndefined();
  });
});

describe('the bench agent walking to the whole answer', () => {
  it('counts every character of every result read and stops at the result that carries no running job', async () => {
    const whole = {
      content: [{ type: 'text', text: 'the answer' }],
      structuredContent: { job: { id: 'job-1a2b3c4d', state: 'done' }, result: {} },
    };
    const { client, calls } = scripted([running(issue62), running(issue62), whole]);
    const w = await walk(client, first);
    expect(calls.map((c) => c.name)).toEqual(['route_and_generate', 'show_status', 'show_status']);
    expect(w.read).toBe(2 * issue62.length + 'the answer'.length);
    expect(w.whole).toBe('the answer');
    expect(w.stopped).toBeUndefined();
  });

  it(
    'asks again after a timeout (counting nothing read), and stops on an error result or a ' +
      'hand-over naming nothing',
    async () => {
      const timedOut = scripted([
        new Error('MCP error -32001: Request timed out'),
        { content: [{ type: 'text', text: 'No job of yours' }], isError: true },
      ]);
      const w = await walk(timedOut.client, first);
      expect(timedOut.calls).toHaveLength(2);
      expect(w.calls[0]!.got).toMatch(/^no answer: MCP error -32001/);
      expect(w.read).toBe('No job of yours'.length);
      expect(w.whole).toBeUndefined();
      expect(w.stopped).toMatch(/^an error/);
      const mute = scripted([running('Still running.')]);
      const m = await walk(mute.client, first);
      expect(m.whole).toBeUndefined();
      expect(m.stopped).toMatch(/names nothing to call/);
    },
  );
});
