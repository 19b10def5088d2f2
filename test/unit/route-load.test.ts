// A candidate's load (jobs/route-load.ts, issue 72 finding 5): planned once more when the engine's
// planner changed under it — the load refused as stale (PlannerMoved), or failed while another call
// found the claim moved — and never else; a named model's failed load said as such. And a relaying
// server reads that from the planner's refusal (ollm-answers.ts boxRefusal).
import { describe, expect, it } from 'vitest';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { NamedLoadFailed } from '../../src/orchestrator/engines/named-load.js';
import { PlannerMoved, type Planner } from '../../src/orchestrator/engines/planned-elsewhere.js';
import { boxRefusal } from '../../src/orchestrator/engines/ollm/ollm-answers.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { LoadOutcome, LoadRequest } from '../../src/orchestrator/loading/load-types.js';
import {
  loadCandidate,
  NAMED_RELOADS,
  namedByCaller,
  noteFailure,
  type Named,
} from '../../src/orchestrator/jobs/route-load.js';
import { UnloadedMeanwhile } from '../../src/orchestrator/loading/load-ops.js';

const OK = { model: 'llama3.1:8b', action: 'already_loaded' } as LoadOutcome;
const PLANNER: Planner = { url: 'http://127.0.0.1:1/mcp', token: 'x'.repeat(32), pid: 4242 };

/** A host whose loader answers `answers` in turn (an error is thrown), its engine planned by `shared.plannedBy`. */
function host(...answers: Array<LoadOutcome | Error | (() => LoadOutcome | Error)>) {
  const shared = { plannedBy: undefined as Planner | undefined, settle: async () => undefined };
  const asked: LoadRequest[] = [];
  const loader = {
    async ensureLoaded(req: LoadRequest) {
      asked.push(req);
      const a = answers[asked.length - 1]!;
      const v = typeof a === 'function' ? a() : a;
      if (v instanceof Error) throw v;
      return v;
    },
  };
  return { loader, engine: { shared } as unknown as Engine, shared, asked };
}

const failure = () =>
  new HostError(
    'server_error',
    'Ollama at 127.0.0.1:11434 loaded llama3.1:8b, but it is not in /api/ps after loading — try again.',
    '127.0.0.1:11434',
  );
const moved = () =>
  new PlannerMoved(
    'not_supported',
    'Ollama is planned by another ollm-mcp server now (process 4242)',
    '127.0.0.1:11434',
  );

describe('a load whose engine planner changed under it', () => {
  it('refused as stale (PlannerMoved): planned once more', async () => {
    const h = host(moved(), OK);
    await expect(loadCandidate(h, { model: 'llama3.1:8b' })).resolves.toBe(OK);
    expect(h.asked).toHaveLength(2);
  });

  it('failed while the claim was found moved by another call: planned once more', async () => {
    const h = host(() => ((h.shared.plannedBy = PLANNER), failure()), OK);
    await expect(loadCandidate(h, { model: 'llama3.1:8b' })).resolves.toBe(OK);
    expect(h.asked).toHaveLength(2);
  });

  it('only once: a second refusal is the answer', async () => {
    const h = host(moved(), moved(), OK);
    await expect(loadCandidate(h, { model: 'llama3.1:8b' })).rejects.toBeInstanceOf(PlannerMoved);
    expect(h.asked).toHaveLength(2);
  });

  it('not when the call was cancelled', async () => {
    const h = host(moved(), OK);
    await expect(loadCandidate(h, { model: 'llama3.1:8b', signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      PlannerMoved,
    );
    expect(h.asked).toHaveLength(1);
  });
});

describe('a load that failed with the same planner', () => {
  it('is not planned again: its failure is the answer', async () => {
    const h = host(failure(), OK);
    h.shared.plannedBy = PLANNER;
    await expect(loadCandidate(h, { model: 'llama3.1:8b' })).rejects.toThrow(/not in \/api\/ps/);
    expect(h.asked).toHaveLength(1);
  });
});

describe("a named model's failed load", () => {
  it('is said as such, with its cause and the next step, and marks the named model', async () => {
    const named: Named = { model: 'llama3.1:8b', loadFailed: false };
    const err = await loadCandidate(host(failure()), { model: 'llama3.1:8b' }, named).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NamedLoadFailed);
    expect(err).toMatchObject({ kind: 'server_error', host: '127.0.0.1:11434' });
    expect((err as Error).message).toBe(
      'Ollama at 127.0.0.1:11434 loaded llama3.1:8b, but it is not in /api/ps after loading — try ' +
        'again. llama3.1:8b was named, and its load failed: no other local model answered in its ' +
        'place — call again once that is fixed, or name another model.',
    );
    noteFailure(named, 'llama3.1:8b', err);
    expect(named.loadFailed).toBe(true);
  });

  it("another model's failed load, or a named model's other failure, marks nothing", async () => {
    const named: Named = { model: 'llama3.1:8b', loadFailed: false };
    const err = await loadCandidate(host(failure()), { model: 'phi3:mini' }, named).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).not.toBeInstanceOf(NamedLoadFailed);
    noteFailure(named, 'phi3:mini', err);
    noteFailure(named, 'llama3.1:8b', failure()); // its generation failed: the route goes on as ever
    expect(named.loadFailed).toBe(false);
  });

  it(
    `unloaded by another client as it loaded: loaded again (up to ${NAMED_RELOADS} times), the ` +
      `named model having no other to fall back on`,
    async () => {
      const gone = () => new UnloadedMeanwhile(failure());
      const named: Named = { model: 'llama3.1:8b', loadFailed: false };
      const h = host(gone(), gone(), OK);
      await expect(loadCandidate(h, { model: 'llama3.1:8b' }, named)).resolves.toBe(OK);
      expect(h.asked).toHaveLength(3);
      // past the bound: its failed load, said as such
      const h2 = host(...Array.from({ length: NAMED_RELOADS + 1 }, gone), OK);
      await expect(loadCandidate(h2, { model: 'llama3.1:8b' }, named)).rejects.toBeInstanceOf(NamedLoadFailed);
      expect(h2.asked).toHaveLength(NAMED_RELOADS + 1);
      // a routed candidate goes on to the next model at once; a named one's other failures are not retried
      const h3 = host(gone(), OK);
      await expect(loadCandidate(h3, { model: 'phi3:mini' }, named)).rejects.toBeInstanceOf(UnloadedMeanwhile);
      expect(h3.asked).toHaveLength(1);
      const h4 = host(failure(), OK);
      await expect(loadCandidate(h4, { model: 'llama3.1:8b' }, named)).rejects.toBeInstanceOf(NamedLoadFailed);
      expect(h4.asked).toHaveLength(1);
    },
  );

  it('is named by the caller only: not when a planner chose the model', () => {
    const models = [{ name: 'llama3.1:8b' }, { name: 'llama3.2:latest' }];
    expect(namedByCaller({ model: 'llama3.2' }, models)).toBe('llama3.2:latest');
    expect(namedByCaller({ model: 'llama3.2', chosenBecause: 'the plan chose it' }, models)).toBeUndefined();
    expect(namedByCaller({}, models)).toBeUndefined();
  });
});

describe("a planner's refusal, read by the server relaying to it", () => {
  const BOX = { who: 'the ollm-mcp server planning Ollama (process 4242)', host: '127.0.0.1:11434' };
  const said = (text: string) => [{ type: 'text', text }];

  it("saying the named model's load failed there: that model's failed load", () => {
    const err = boxRefusal(
      'route_and_generate',
      said(
        'llama3.1:8b: out of memory. llama3.1:8b was named, and its load failed: no other local ' +
          'model answered in its place — call again once that is fixed, or name another model.',
      ),
      BOX,
      'llama3.1:8b',
    );
    expect(err).toBeInstanceOf(NamedLoadFailed);
    expect(err.message).toMatch(
      /refused route_and_generate for "llama3\.1:8b": llama3\.1:8b: out of memory\. llama3\.1:8b was named, and its load failed/,
    );
  });

  it('any other refusal: trouble there, as before', () => {
    expect(
      boxRefusal('route_and_generate', said('llama3.1:8b: its generation stopped: out of memory'), BOX, 'llama3.1:8b'),
    ).not.toBeInstanceOf(NamedLoadFailed);
    expect(boxRefusal('list_models', said('x was named, and its load failed: y'), BOX)).not.toBeInstanceOf(
      NamedLoadFailed,
    );
  });
});
