/**
 * The kind of work comes from the caller's words, never from the text of inputs read on their
 * behalf: an error code in a log or a code fence in a source file does not make the work debugging
 * or code; an image still means vision. The reason says what the work was inferred from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { classify, estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import type { InputDoc } from '../../src/orchestrator/generation/input-doc.js';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { CAPABILITY_MODELS, DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

let fake: FakeOllama;
let core: Orchestrator;
beforeAll(async () => {
  fake = await FakeOllama.start({
    memoryBytes: 24e9,
    tokenDelayMs: 0,
    loadDelayMs: 0,
    models: [...DEFAULT_MODELS, ...CAPABILITY_MODELS],
  });
  core = await coreFor(fake);
});
afterAll(() => fake.stop());

function gathered(docs: InputDoc[], images: string[] = []): GatheredInputs {
  const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
  return {
    docs,
    images,
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

const LOG: InputDoc = {
  label: 'logs/app.log',
  text: Array.from(
    { length: 40 },
    (_, i) =>
      `2026-11-22T10:00:${String(i).padStart(2, '0')}Z ERROR E${1000 + (i % 4)}: connection ` +
      `refused (errno 111)\nTraceback (most recent call last):\n  File "worker.py", line ` +
      `${i + 10}, in run\nConnectionError: failed`,
  ).join('\n'),
};
const SOURCE: InputDoc = {
  label: 'src/retry.ts',
  text:
    '```ts\nexport function delay(attempt: number): number {\n  return Math.min(30_000, 2 ** ' +
    'attempt * 100);\n}\n```\nexport const MAX_ATTEMPTS = 5;\n',
};

describe('the work is inferred from the caller, not from the inputs', () => {
  it.each([
    ['List the distinct errors in this log with counts', LOG],
    ['Where are retry delays computed?', SOURCE],
    ['What does this module export?', SOURCE],
  ] as const)('"%s" over a file is the work the words alone name', async (prompt, doc) => {
    // the inputs inline would say otherwise: the reason would name them
    const fromInputs = classify({ prompt: `${doc.text}\n\nTask: ${prompt}` });
    const fromWords = classify({ prompt });
    expect(fromInputs.task).not.toBe(fromWords.task);
    const r = await offload(core, { prompt, dryRun: true, inputs: gathered([doc]) });
    expect(r.task).toBe(fromWords.task);
    expect(r.reason).toContain(fromWords.why);
    expect(r.reason).not.toContain(fromInputs.why);
  });

  it('the errors in a log are listed as a summary, not debugged', async () => {
    const r = await offload(core, {
      prompt: 'List the distinct errors in this log with counts',
      dryRun: true,
      inputs: gathered([LOG]),
    });
    expect(r.task).toBe('summarize');
  });

  it('an image among the inputs still means vision', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    const r = await offload(core, {
      prompt: 'What is in this log and picture?',
      dryRun: true,
      inputs: gathered([LOG], [png]),
    });
    expect(r.task).toBe('vision');
  });
});
