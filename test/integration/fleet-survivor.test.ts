/**
 * The survivor of a host that dies is chosen as any copy is (issue 81, finding 4): two Ollama hosts
 * holding llama3.1:8b loaded and an OpenAI-compatible host listing it too (first of the `hosts:`).
 * The host answering a call naming it is killed mid-answer: that call, and the next naming it, go
 * to the other Ollama host, which holds it loaded — on c0c8fe6 the call ended with the dead host
 * (the named model sent alone had no other copy), and the next went to the first host listing the
 * name, the OpenAI-compatible one. The host without it loaded answers only when no loaded copy does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama, NAMESPACED_MODELS } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const MODEL = 'llama3.1:8b';
const models = NAMESPACED_MODELS.filter((m) => m.name === MODEL);

/** The model loaded on a fake, as a client of its own would leave it. */
const preload = (f: FakeOllama) =>
  fetch(`${f.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: MODEL, keep_alive: '10m' }) }).then(
    (r) => r.text(),
  );

async function fleet() {
  const options = { models, memoryBytes: 32e9, tokenDelayMs: 20, loadDelayMs: 5 };
  const [first, box] = await Promise.all([0, 1].map(() => FakeOllama.start(options)));
  const lab = await FakeOpenAI.start({ models: [MODEL], reply: 'lab answers', tokenDelayMs: 1 });
  for (const f of [first!, box!]) f.reply(oneTokenWords(20, 'w'));
  await Promise.all([preload(first!), preload(box!)]);
  const yaml = [
    'ollama:',
    '  capacity: {ram: 32GB}',
    'hosts:',
    `  - {name: lab, kind: openai, url: "${lab.url}"}`,
    `  - {name: box, kind: ollama, url: "${box!.url}", capacity: {ram: 32GB}}`,
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ].join('\n');
  const core = await coreFor(first!, { totalBytes: 32e9, yaml });
  stops.push(
    () => core.shutdown(200),
    () => first!.stop(),
    () => box!.stop(),
    () => lab.stop(),
  );
  return { core, first: first!, box: box!, lab };
}

/** As route_and_generate sends a named model: that model alone. */
const named = (prompt: string, onProgress?: (tokens: number) => void) =>
  ({ prompt, model: MODEL, only: true, maxTokens: 20, agent: 'a', ...(onProgress && { onProgress }) }) as const;

describe('a host dies mid-answer', () => {
  it('the call it dies under, and the next, are answered by the other host holding the model loaded', async () => {
    const { core, first, lab } = await fleet();
    let killed = false;
    const during = await routeAndGenerate(
      core,
      named('Tell me about rivers.', (n) => {
        if (n >= 2 && !killed) {
          killed = true;
          first.setOffline(true); // killed: it never comes back
        }
      }),
    );
    expect(killed).toBe(true);
    expect(during).toMatchObject({ model: MODEL, host: 'box' });
    expect(during.fallbacks).toMatchObject([{ model: `${MODEL} on ollama`, error: expect.stringMatching(/dropped/) }]);
    // the dead host may be tried once more (its last reading kept) before it is found down: never the lab
    const next = await routeAndGenerate(core, named('And about lakes?'));
    expect(next).toMatchObject({ model: MODEL, host: 'box' });
    expect(next.fallbacks.map((f) => f.model)).not.toContain(`${MODEL} on lab`);
    expect(lab.requestsTo('/v1/chat/completions')).toHaveLength(0);
  });

  it('with the dead host resting, the loaded copy survives; the lab only once no loaded copy answers', async () => {
    const { core, first, box, lab } = await fleet();
    expect(await routeAndGenerate(core, named('Tell me about rivers.'))).toMatchObject({ host: 'ollama' });
    first.setOffline(true);
    // the first call after finds it down (its last reading kept, it may be tried once): whatever it answers,
    // the host rests from then on
    await routeAndGenerate(core, named('And about lakes?')).catch(() => undefined);
    const again = await routeAndGenerate(core, named('And about ponds?'));
    expect(again).toMatchObject({ model: MODEL, host: 'box' });
    expect(again.fallbacks).toMatchObject([
      { model: 'Ollama ollama', error: expect.stringMatching(/^skipped for now/) },
    ]);
    expect(lab.requestsTo('/v1/chat/completions')).toHaveLength(0);

    // no loaded copy answers any more: the host that serves it without a load is the survivor
    box.setOffline(true);
    const last = await routeAndGenerate(core, named('And about seas?'));
    expect(last).toMatchObject({ model: MODEL, host: 'lab', provider: 'openai', text: 'lab answers' });
  });
});
