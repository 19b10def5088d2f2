/**
 * A host that is down gets the fix of its own kind, never another engine's (issue 83, finding 3): a
 * llama.cpp host (and an OpenAI-compatible one) at a closed address — doctor's line counts none of
 * its models and gives its own engine's fix; a call naming its model says that host did not answer
 * and may serve it (its own next step beside), not "not installed — pull it with `ollama pull …`",
 * and the attempts read as clauses (no ".;"); list_models names the cause once. The right side: with
 * every host answering, a model in no list is still "not installed — pull it with `ollama pull …`".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { render as renderList } from '../../src/tools/list-models.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { closedAddress } from '../helpers/closed-address.js';
import { tempDir } from '../helpers/temp.js';

const memorySource = {
  memory: async () => ({ totalBytes: 32e9, availableBytes: 28e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
  gpus: async () => [],
};

let ollama: FakeOllama;
let llamaAt: string;
let labAt: string;
beforeAll(async () => {
  ollama = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => m.name === 'llama3.2:latest') });
  llamaAt = await closedAddress();
  labAt = await closedAddress();
});
afterAll(() => ollama.stop());

async function fleet(): Promise<Orchestrator> {
  const home = tempDir('ollm-home-');
  const yaml = [
    'hosts:',
    `  - { name: box, kind: llamacpp, url: "http://${llamaAt}", modelSizes: { stories260k: "1MB" } }`,
    `  - { name: lab, kind: openai, url: "http://${labAt}/v1" }`,
  ].join('\n');
  writeFileSync(join(home, 'config.yaml'), `${yaml}\n`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
  return new Orchestrator(config, { memorySource });
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the call did not fail');
}

describe('hosts of other kinds, down', () => {
  it("doctor: each line counts none of its models and gives its own engine's fix", async () => {
    const orch = await fleet();
    const checks = (await runDoctor(orch)).checks;
    await orch.shutdown(200);
    const box = checks.find((c) => c.name === 'Host box')!;
    expect(box.level).toBe('warn');
    expect(box.detail).toMatch(/is not reachable \(connection refused\); 0 models reachable/);
    expect(box.detail).not.toMatch(/[1-9]\d* models?\b/);
    expect(box.fix).toMatch(/^start llama-server there .*or correct its url in settings \(hosts\.box\)/);
    const lab = checks.find((c) => c.name === 'Host lab')!;
    expect(lab.level).toBe('warn');
    expect(lab.detail).toMatch(/0 models reachable/);
    expect(lab.fix).toMatch(/^start it, or correct hosts\.lab\.url in settings/);
    for (const c of [box, lab]) expect(`${c.detail} ${c.fix}`).not.toMatch(/ollama (serve|pull)/i);
  });

  it('route_and_generate naming its model: that host did not answer, never "ollama pull", no ".;"', async () => {
    const orch = await fleet();
    const message = await failure(routeAndGenerate(orch, { prompt: 'hi', model: 'stories260k', only: true }));
    await orch.shutdown(200);
    expect(message).toMatch(
      /llama\.cpp box: (skipped for now: )?llama-server at \S+ is not reachable \(connection refused\) — start it \(llama-server/,
    );
    expect(message).toMatch(
      /stories260k: not listed by the hosts that answer — llama\.cpp box, OpenAI-compatible lab did not answer and may serve it: start them as said, then call again/,
    );
    expect(message).not.toMatch(/ollama pull|not installed/);
    expect(message).not.toMatch(/\.;/);
  });

  it("list_models names each host's cause once, with its own fix", async () => {
    const orch = await fleet();
    const text = renderList(await orch.listModels({ refresh: true }));
    await orch.shutdown(200);
    expect(text).toContain(
      `llama.cpp host box (${llamaAt}) is not reachable (connection refused) — start llama-server there`,
    );
    expect(text).not.toMatch(/not reachable \([^)]*not reachable/);
  });
});

describe('the right side: every host answers', () => {
  it('a model in no list is still "not installed — pull it with `ollama pull …`"', async () => {
    const config = await loadConfig({ env: { OLLM_HOME: tempDir('ollm-home-'), OLLM_HOST: ollama.url } });
    const orch = new Orchestrator(config, { memorySource });
    const message = await failure(routeAndGenerate(orch, { prompt: 'hi', model: 'no-such-model:1b', only: true }));
    await orch.shutdown(200);
    expect(message).toMatch(/no-such-model:1b: not installed — pull it with `ollama pull no-such-model:1b`/);
    expect(message).not.toMatch(/did not answer/);
  });
});
