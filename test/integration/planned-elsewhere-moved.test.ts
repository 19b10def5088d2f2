// A server that planned an engine and lost its claim while stopped (issue 72 finding 5): a load or
// unload of the plan it made as planner, found stale as it goes out, is sent nowhere — not to the
// engine (another server plans it), not to the new planner (whose adapter loads nothing, so the
// loader would find the model missing "after loading") — and fails as PlannerMoved; a generation
// goes to the new planner. While the claim holds, the same calls go to the engine.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { BOX_TOKEN, planningBox, type Box } from '../helpers/ollm-box.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { PlannerMoved, plannedElsewhere, type Planner } from '../../src/orchestrator/engines/planned-elsewhere.js';

let box: Box;
let own: FakeOllama;
planningBox((b, o) => ((box = b), (own = o)));
afterEach(() => own.requests.splice(0));

const boxPlanner = (): Planner => ({ url: `${box.origin}/mcp`, token: BOX_TOKEN, pid: box.server.child.pid! });
const sent = () => own.requests.map((r) => `${r.method} ${r.path}`);

/**
 * This server's engine: it held the claim at start; `lose()` has the box plan it from then on (as a server
 * taking it over would).
 */
async function planned() {
  const claim = {
    held: true,
    planner: async () => (claim.held ? undefined : boxPlanner()),
    holds: async () => claim.held,
  };
  const direct = new OllamaBackend({ host: `http://${own.host}`, timeoutMs: 5000 });
  const e = plannedElsewhere(direct, claim, { name: 'ollama', timeoutMs: 5000, parallel: 1 });
  await e.shared.settle();
  return { e, lose: () => void (claim.held = false) };
}

describe('a load or unload this server planned, the claim moved before it went out', () => {
  it(
    'the load is sent nowhere and fails as PlannerMoved, saying who plans the engine now; this ' +
      'server plans nothing there after',
    async () => {
      const { e, lose } = await planned();
      expect(e.can.managesMemory).toBe(true); // the loader plans with this, then loads
      lose();
      const err = await e.load({ model: 'phi3:mini', keepAlive: '5m' }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(err).toBeInstanceOf(PlannerMoved);
      expect(err).toMatchObject({
        kind: 'not_supported',
        message: expect.stringMatching(
          new RegExp(
            `planned by another ollm-mcp server now \\(process ${box.server.child.pid}\\).*load of ` +
              `"phi3:mini" was not sent`,
          ),
        ),
      });
      expect(sent()).toEqual([]);
      expect(e.shared.plannedBy).toEqual(boxPlanner());
      expect(e.can.managesMemory).toBe(false); // planned again, the loader leaves the load to the new planner
    },
  );

  it('so is the unload', async () => {
    const { e, lose } = await planned();
    lose();
    await expect(e.unload('phi3:mini')).rejects.toBeInstanceOf(PlannerMoved);
    expect(sent()).toEqual([]);
  });

  it('a generation goes to the new planner', async () => {
    const { e, lose } = await planned();
    lose();
    let text = '';
    await e.generate({
      model: 'llama3.2:latest',
      prompt: 'Say hi.',
      keepAlive: '5m',
      numCtx: 2048,
      maxTokens: 8,
      onDelta: (d) => void (text += d.text ?? ''),
    });
    expect(text).toContain('from the planning server');
    expect(sent()).toEqual([]);
  });
});

describe('while the claim holds', () => {
  it('the load and the unload go to the engine', async () => {
    const { e } = await planned();
    await e.load({ model: 'phi3:mini', keepAlive: '5m' });
    await e.unload('phi3:mini');
    // Ollama's load and unload: empty generates
    expect(sent().filter((s) => s === 'POST /api/generate')).toHaveLength(2);
    expect(e.shared.plannedBy).toBeUndefined();
  });
});
