// The window an OpenAI-compatible front really runs with, end to end (issue 44): the built server,
// a fleet whose only model is on a front trained for 32,768 tokens and run with 4,096. A long file
// through route_and_generate is split to fit and answered — where the front says its window (a
// single llama-server's /props), and where it says nothing but refuses with llama-server's 400
// naming it (learned, the job planned again within the same call). Before, the trained window was
// planned for, the whole file was refused, and the call ended "No local model could do this".
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI, type FakeModelSpec } from '../fake-openai/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

type Session = Awaited<ReturnType<typeof connect>>;
const MODEL = 'mistral:7b';
const LINES = 800;

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/**
 * A project with an 800-line log: ~7,200 words (the front's tokens), under the trained window by the
 * estimate, over 4,096.
 */
function project(): string {
  const dir = tempDir('ollm-runtime-window-');
  const lines = Array.from({ length: LINES }, (_, n) => `LINE-${n} the worker handled job ${n * 31} and said ok`);
  writeFileSync(join(dir, 'app.log'), `${lines.join('\n')}\n`);
  return dir;
}

async function start(says: FakeModelSpec['saysNCtx']): Promise<{ session: Session; lab: FakeOpenAI }> {
  const box = await FakeOllama.start({ models: [] });
  const lab = await FakeOpenAI.start({
    models: [{ id: MODEL, nCtxTrain: 32768, nCtx: 4096, saysNCtx: says }],
    tokenDelayMs: 0,
  });
  lab.reply((c) =>
    /Combine them into one answer/.test(JSON.stringify(c.messages)) ? 'FINAL ANSWER' : 'partial answer',
  );
  const session = await connect(
    { OLLM_HOME: tempHome(`hosts:\n  - { name: lab, kind: openai, url: "${lab.url}" }\n`), OLLAMA_HOST: box.host },
    [],
    project(),
  );
  stops.push(
    () => session.close(),
    () => box.stop(),
    () => lab.stop(),
  );
  return { session, lab };
}

async function summarise(session: Session) {
  const res = await session.client.callTool(
    {
      name: 'route_and_generate',
      arguments: { prompt: 'List what the worker did.', task: 'summarize', files: ['app.log'] },
    },
    { timeout: 90_000 },
  );
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as {
      split?: { parts: number; contextTokens: number };
      notes?: string[];
      model?: string;
    },
  };
}

/** Every line of the log reached a request the front answered, and none of those was over its window. */
function expectWholeLogWithinWindow(lab: FakeOpenAI): void {
  // the front counts a prompt's words as its tokens: those under its window are the ones it answered
  const words = (r: { body: unknown }) =>
    (r.body as { messages: Array<{ content: string }> }).messages.reduce(
      (n, m) => n + (m.content.match(/\S+\s*/g)?.length ?? 0),
      0,
    );
  const chats = lab.requestsTo('/v1/chat/completions');
  const answered = chats.filter((r) => words(r) < 4096);
  expect(chats.length - answered.length).toBe(lab.stats().contextRefusals);
  const seen = new Set(
    [
      ...answered
        .map((r) => JSON.stringify(r.body))
        .join('\n')
        .matchAll(/LINE-(\d+) /g),
    ].map((m) => Number(m[1])),
  );
  expect(Array.from({ length: LINES }, (_, i) => i).filter((i) => !seen.has(i))).toEqual([]);
}

describe('a long file through an OpenAI-compatible front run with 4,096 tokens (trained 32,768)', () => {
  it('that says its window in /props is split to it and answered, nothing refused', { timeout: 90_000 }, async () => {
    const { session, lab } = await start('props');
    const r = await summarise(session);
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(/^FINAL ANSWER/);
    expect(r.out.split).toMatchObject({ contextTokens: 4096 });
    expect(r.out.split!.parts).toBeGreaterThan(1);
    expect(lab.stats().contextRefusals).toBe(0);
    expectWholeLogWithinWindow(lab);
  });

  it(
    "that says nothing but refuses with llama-server's 400 is learned from, and the same call " +
      'is split to fit and answered',
    { timeout: 90_000 },
    async () => {
      const { session, lab } = await start('none');
      const r = await summarise(session);
      expect(r.isError, r.text).toBe(false);
      expect(r.text).toMatch(/^FINAL ANSWER/);
      expect(r.out.split).toMatchObject({ contextTokens: 4096 });
      expect(lab.stats().contextRefusals).toBe(1);
      expect(r.out.notes?.join('\n')).toMatch(
        /Planned again after a refusal: mistral:7b on lab runs with a 4096-token window/,
      );
      expectWholeLogWithinWindow(lab);
    },
  );
});
