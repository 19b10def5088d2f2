/**
 * The window an OpenAI-compatible front really runs a model with (issue 44): llama-swap says it as
 * `meta.n_ctx` beside the trained window, a single llama-server in its /props, and a front that
 * says nothing refuses a longer prompt with llama-server's 400 naming it. Long inputs are split to
 * that window — from the start where it is said, after the first refusal (learned for that model
 * and host, the job planned again within the same call) where it is not. Before, the trained
 * window was planned for and every request was refused: "No local model could do this".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import type { InputDoc } from '../../src/orchestrator/generation/input-doc.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI, type FakeModelSpec } from '../fake-openai/server.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const memory = {
  memory: async () => ({ totalBytes: 32e9, availableBytes: 28e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
  gpus: async () => [],
};
const MODEL = 'mistral:7b';

/** 800 numbered lines of 9 words: ~7,200 tokens as the front counts (words), far over 4,096, well under 32,768. */
function longLog(): InputDoc {
  const lines = Array.from({ length: 800 }, (_, n) => `LINE-${n} the worker handled job ${n * 31} and said ok`);
  return { label: 'logs/app.log', text: `${lines.join('\n')}\n` };
}

function gathered(docs: InputDoc[]): GatheredInputs {
  const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
  return {
    docs,
    images: [],
    read: docs.map((d) => ({
      path: d.label,
      kind: 'text',
      bytes: Buffer.byteLength(d.text),
      tokens: estimateTokens(d.text),
      encoding: 'utf-8',
    })),
    skipped: [],
    bytes,
    tokens: docs.reduce((s, d) => s + estimateTokens(d.text), 0),
  };
}

/** A front serving one model trained for 32,768 tokens and run with 4,096, saying so where `says` tells. */
async function front(says: FakeModelSpec['saysNCtx'], other?: FakeOpenAI) {
  const box = await FakeOllama.start({ models: [] });
  const lab = await FakeOpenAI.start({
    models: [{ id: MODEL, nCtxTrain: 32768, nCtx: 4096, saysNCtx: says }],
    tokenDelayMs: 0,
  });
  lab.reply((c) => (/Combine them into one answer/.test(JSON.stringify(c.messages)) ? 'FINAL' : 'partial'));
  stops.push(
    () => box.stop(),
    () => lab.stop(),
  );
  const home = tempDir('ollm-home-');
  const more = other ? `  - { name: other, kind: openai, url: "${other.url}" }\n` : '';
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - { name: lab, kind: openai, url: "${lab.url}" }\n${more}`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: box.url } });
  const orch = new Orchestrator(config, { memorySource: memory });
  stops.push(() => orch.shutdown(200));
  return { orch, lab };
}

/** The prompt tokens (words, as the fake counts) of every chat request the front answered. */
function answeredWords(lab: FakeOpenAI): number[] {
  return lab.requestsTo('/v1/chat/completions').map((r) => {
    const body = r.body as { messages: Array<{ content: string }> };
    return body.messages.reduce((n, m) => n + (m.content.match(/\S+\s*/g)?.length ?? 0), 0);
  });
}

const everyLine = (lab: FakeOpenAI) => {
  const sent = lab
    .requestsTo('/v1/chat/completions')
    .map((r) => JSON.stringify(r.body))
    .join('\n');
  const got = new Set([...sent.matchAll(/LINE-(\d+) /g)].map((m) => Number(m[1])));
  return Array.from({ length: 800 }, (_, i) => i).filter((i) => !got.has(i));
};

describe('an OpenAI-compatible front that runs a model with less than its trained window', () => {
  it.each([
    ['in /v1/models as meta.n_ctx (llama-swap)', 'meta'],
    ['in /props as default_generation_settings.n_ctx (a single llama-server)', 'props'],
  ] as const)(
    'says it %s: a long input is split to 4,096 from the start, nothing refused',
    async (_how, says) => {
      const { orch, lab } = await front(says);
      const r = await offload(orch, {
        prompt: 'List what the worker did.',
        task: 'summarize',
        inputs: gathered([longLog()]),
      });
      expect(r.text).toBe('FINAL');
      expect(r.split).toMatchObject({ contextTokens: 4096 });
      expect(r.split!.parts).toBeGreaterThan(1);
      expect(r.reason).toMatch(/usable window \(4096 tokens\)/);
      expect(lab.stats().contextRefusals).toBe(0);
      for (const words of answeredWords(lab)) expect(words).toBeLessThan(4096);
      expect(everyLine(lab)).toEqual([]);
    },
    60_000,
  );

  it(
    "says nothing but refuses with llama-server's 400: the window is learned and the job split " +
      'to it within the same call',
    async () => {
      const { orch, lab } = await front('none');
      const r = await offload(orch, {
        prompt: 'List what the worker did.',
        task: 'summarize',
        inputs: gathered([longLog()]),
      });
      expect(r.text).toBe('FINAL');
      expect(lab.stats().contextRefusals).toBe(1); // the whole input, once
      expect(r.split).toMatchObject({ contextTokens: 4096 });
      expect(r.notes?.join('\n')).toMatch(
        /Planned again after a refusal: mistral:7b on lab runs with a 4096-token window/,
      );
      expect(everyLine(lab)).toEqual([]);

      // learned for that model on that host: the next call is split from the start
      lab.resetStats();
      const again = await offload(orch, {
        prompt: 'Count the jobs.',
        task: 'summarize',
        inputs: gathered([longLog()]),
      });
      expect(again.text).toBe('FINAL');
      expect(again.split).toMatchObject({ contextTokens: 4096 });
      expect(lab.stats().contextRefusals).toBe(0);
      expect(again.notes ?? []).not.toContainEqual(expect.stringMatching(/Planned again/));
    },
    60_000,
  );

  it(
    'a split job whose first part was refused and answered elsewhere is planned again at once, ' +
      'not sent part by part to be refused',
    async () => {
      // another front whose model holds a part sized to 32,768: it answers the refused first part
      const other = await FakeOpenAI.start({
        models: [{ id: 'llama3.2:latest', maxModelLen: 40960 }],
        tokenDelayMs: 0,
        reply: 'partial answer elsewhere',
      });
      stops.push(() => other.stop());
      const { orch: two, lab } = await front('none', other);
      // ~37,000 tokens by the estimate: split even for the trained 32,768
      const lines = Array.from({ length: 2400 }, (_, n) => `LINE-${n} the worker handled job ${n * 31} and said ok`);
      const r = await offload(two, {
        prompt: 'List what the worker did.',
        task: 'summarize',
        model: MODEL,
        inputs: gathered([{ label: 'logs/big.log', text: `${lines.join('\n')}\n` }]),
      });
      expect(r.text).toBe('FINAL');
      expect(r.model).toBe(MODEL);
      expect(r.split).toMatchObject({ contextTokens: 4096 });
      expect(lab.stats().contextRefusals).toBe(1); // part 1 of the first plan, and no other
      expect(other.requestsTo('/v1/chat/completions')).toHaveLength(1);
      expect(r.notes?.join('\n')).toMatch(/Planned again after a refusal/);
    },
    60_000,
  );

  it('a 400 that names no window is not learned: nothing is planned again, the call fails as it did', async () => {
    const { orch, lab } = await front('none');
    lab.failNext('/v1/chat/completions', {
      status: 400,
      message: "Invalid 'temperature': expected a number between 0 and 2.",
    });
    const err = (await offload(orch, {
      prompt: 'Summarise.',
      task: 'summarize',
      inputs: gathered([{ label: 'a.txt', text: 'one short line\n' }]),
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/No local model could do this .*Invalid 'temperature'/);
    expect(lab.requestsTo('/v1/chat/completions')).toHaveLength(1);
    expect(orch.fleet.hosts.find((h) => h.name === 'lab')!.engine.learnedWindows?.()).toEqual(new Map());
  }, 60_000);
});
