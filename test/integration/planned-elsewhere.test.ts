// One engine, several ollm-mcp servers on a machine (issue 57 item 0): engines/planned-elsewhere.ts
// sends an engine's calls to the engine itself while this server holds its claim, and through the
// server that holds it (the built server over HTTP here, in front of its own fake Ollama) while
// another does — lists, loads, generations and what it holds; disk-only calls (pull, delete) still
// straight — and when that server is gone, asks the claim again and sends the call once more.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { BOX_TOKEN, sharedBox, stopBox, type Box } from '../helpers/ollm-box.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { plannedElsewhere, sharedOf, type Planner } from '../../src/orchestrator/engines/planned-elsewhere.js';
import type { Engine, EngineModel } from '../../src/orchestrator/engines/engine.js';
import { freePort } from '../helpers/llamacpp.js';

let box: Box;
let own: FakeOllama;
beforeAll(async () => {
  box = await sharedBox('from the planning server');
  // the engine as this server reaches it straight: one model only, so an answer says where it came from
  own = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => m.name === 'phi3:mini') });
}, 30_000);
afterAll(async () => {
  await own?.stop();
  await stopBox();
});
afterEach(() => own.requests.splice(0));

/** A claim answering, in turn, the planners given (the last one from then on). */
function claimOf(...answers: Array<Planner | undefined>) {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    planner: async () => answers[Math.min(asked++, answers.length - 1)],
  };
}

const boxPlanner = (): Planner => ({ url: `${box.origin}/mcp`, token: BOX_TOKEN, pid: 4242 });
const names = (models: EngineModel[]) => models.map((m) => m.name).sort();
const sent = () => own.requests.map((r) => `${r.method} ${r.path}`);

function engine(claim: ReturnType<typeof claimOf>): Engine & { shared: NonNullable<ReturnType<typeof sharedOf>> } {
  const direct = new OllamaBackend({ host: own.host, timeoutMs: 5000 });
  return plannedElsewhere(direct, claim, { name: 'ollama', timeoutMs: 5000, parallel: 1 });
}

describe('an engine this server plans (it holds the claim)', () => {
  it('is the engine itself: its kind, its abilities, its list', async () => {
    const e = engine(claimOf(undefined));
    await e.shared.settle();
    expect(e.shared.plannedBy).toBeUndefined();
    expect(e.kind).toBe('ollama');
    expect(e.can.managesMemory).toBe(true);
    expect(names(await e.list())).toEqual(['phi3:mini']);
    expect(sent()).toContain('GET /api/tags');
  });
});

describe('an engine another server plans', () => {
  it('is reached through that server: its list, loaded models and answers; nothing planned here', async () => {
    const e = engine(claimOf(boxPlanner()));
    await e.shared.settle();
    expect(e.shared.plannedBy).toEqual(boxPlanner());
    expect(e.kind).toBe('ollm');
    expect(e.can.managesMemory).toBe(false);
    // the engine's own address and name stay (records, sizes and messages are the engine's)
    expect(e.host).toBe(own.host.replace(/^https?:\/\//, ''));
    expect(e.who).toMatch(/^the ollm-mcp server planning Ollama at 127\.0\.0\.1:\d+ \(process 4242\)$/);
    expect(names(await e.list())).toEqual(DEFAULT_MODELS.map((m) => m.name).sort());
    const seen: string[][] = [];
    e.onPs = (running) => seen.push(names(running));
    await e.ps();
    expect(seen).toHaveLength(1);
    // a load is the planning server's: nothing is sent to the engine from here
    expect(await e.load({ model: 'llama3.2:latest', keepAlive: '5m' })).toBeUndefined();
    await expect(e.unload('llama3.2:latest')).rejects.toMatchObject({ kind: 'not_supported' });
    let text = '';
    const done = await e.generate({ model: 'llama3.2:latest', prompt: 'Say hi.', keepAlive: '5m', numCtx: 2048, maxTokens: 8, onDelta: (d) => void (text += d.text ?? '') });
    expect(text).toContain('from the planning server');
    expect(done.doneReason).toBeDefined();
    expect(sent()).toEqual([]);
  });

  it('still pulls and deletes straight at the engine (its disk, not its memory)', async () => {
    const e = engine(claimOf(boxPlanner()));
    await e.shared.settle();
    expect(e.can.pullAndDelete).toBe(true);
    await e.delete('not-here:latest').catch(() => undefined); // refused by the engine itself, as it has no such model
    expect(sent()).toEqual(['DELETE /api/delete']);
  });
});

describe('the planning server gone', () => {
  it('the call that finds it gone asks the claim again, takes the engine over and is sent once more, to the engine', async () => {
    const port = await freePort(); // nothing listens there: the planner is gone
    const claim = claimOf({ url: `http://127.0.0.1:${port}/mcp`, token: 'x'.repeat(32), pid: 777 }, undefined);
    const e = engine(claim);
    await e.shared.settle();
    expect(e.kind).toBe('ollm');
    const listed = await e.list();
    expect(names(listed)).toEqual(['phi3:mini']);
    expect(claim.asked).toBe(2);
    expect(e.shared.plannedBy).toBeUndefined();
    expect(e.kind).toBe('ollama');
    expect(e.can.managesMemory).toBe(true);
  });

  it('a refusal that is not the server being gone is the caller\'s: the claim is not asked again', async () => {
    const claim = claimOf(boxPlanner(), undefined);
    const e = engine(claim);
    await e.shared.settle();
    await expect(e.show('no-such-model:latest')).rejects.toMatchObject({ kind: 'model_not_found' });
    expect(claim.asked).toBe(1);
    expect(e.shared.plannedBy).toEqual(boxPlanner());
  });
});
