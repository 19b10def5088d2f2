/**
 * Another ollm-mcp's list as a placement reads it (ollm-engine.ts LIST_RECENT_MS): the server planning this
 * machine's engine, or a team's box, answers list_models in a round trip of its own (10–20 ms after a pause,
 * measured through an engine claim). A placement (`recent`) takes the last answer while it is under 30 s old (an
 * agent's calls come seconds apart) and the next is asked 250 ms later, once the call has its answer (the other
 * server, busy with the list, would hold up its hold's answer); anything else — a reading past 30 s, a refresh, a
 * read that is no placement — waits for the new answer, as before, and asks at once one left for later.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LIST_BEHIND_MS, LIST_RECENT_MS, OllmEngine } from '../../src/orchestrator/engines/ollm/ollm-engine.js';
import { Catalog } from '../../src/orchestrator/models/catalog.js';
import { listedModel, loadedModel } from '../helpers/box-list.js';

afterEach(() => vi.useRealTimers());

/** An OllmEngine whose box answers list_models from here: each answer held until `answer(names)` lets it go. */
function box() {
  const engine = new OllmEngine({ name: 'gpubox', url: 'http://127.0.0.1:9/mcp', timeoutMs: 1000, parallel: 1 });
  const calls: Array<{ args: Record<string, unknown>; signal: AbortSignal | undefined }> = [];
  const waiting: Array<(names: string[] | 'refused') => void> = [];
  (engine.box as { callTool: unknown }).callTool = async (
    tool: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal },
  ) => {
    if (tool !== 'list_models') return { isError: true, content: [] }; // show_model: the list's entry serves
    calls.push({ args, signal: options.signal });
    return new Promise<unknown>((resolve) =>
      waiting.push((names) =>
        resolve(
          names === 'refused'
            ? { isError: true, content: [{ type: 'text', text: 'no' }] }
            : { content: [], structuredContent: { models: names.map(listedModel), loaded: names.map(loadedModel) } },
        ),
      ),
    );
  };
  /** Answers the oldest list_models still waiting with `names` loaded (or refuses it), one read behind asked first. */
  const answer = async (names: string[] | 'refused') => {
    if (waiting.length === 0) await vi.advanceTimersByTimeAsync(LIST_BEHIND_MS);
    waiting.shift()!(names);
    await new Promise((r) => setImmediate(r));
  };
  return { engine, calls, answer };
}

const names = (ms: Array<{ name: string }>) => ms.map((m) => m.name);

/** What `p` settled to by the next turn, or 'waiting'. */
async function settled<T>(p: Promise<T>): Promise<T | 'waiting'> {
  return Promise.race([p, new Promise<'waiting'>((r) => setImmediate(() => r('waiting')))]);
}

async function readOnce() {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
  const b = box();
  const first = b.engine.ps();
  await b.answer(['a:latest']);
  expect(names(await first)).toEqual(['a:latest']);
  return b;
}

describe("another ollm-mcp's list, read by a placement", () => {
  it('under 30 s old: answered by the last reading at once, the next read beside it without the signal', async () => {
    expect(LIST_RECENT_MS).toBe(30_000);
    const { engine, calls, answer } = await readOnce();
    vi.setSystemTime(Date.now() + 20_000); // an agent's pause: past a hold's 5 s
    const signal = new AbortController().signal;
    expect(names((await settled(engine.ps({ recent: true, signal }))) as Array<{ name: string }>)).toEqual([
      'a:latest',
    ]);
    // the next reading asked once the call has its answer: the other server, busy with it, holds up none of its lines
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(LIST_BEHIND_MS - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.signal).toBeUndefined(); // nobody waits on it: the call's end does not stop it
    const plain = engine.ps(); // no placement: waits for the reading under way
    expect(await settled(plain)).toBe('waiting');
    await answer(['b:latest']);
    expect(names(await plain)).toEqual(['b:latest']);
    expect(names(await engine.ps({ recent: true }))).toEqual(['b:latest']);
    expect(calls).toHaveLength(2);
  });

  it('a read that waits, while the next reading is left for after the call: asked at once, once', async () => {
    const { engine, calls, answer } = await readOnce();
    vi.setSystemTime(Date.now() + 3000);
    expect(names((await settled(engine.ps({ recent: true }))) as Array<{ name: string }>)).toEqual(['a:latest']);
    expect(calls).toHaveLength(1);
    const plain = engine.ps(); // list_models asked by the user: not left waiting for the call's 250 ms
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(2);
    await answer(['b:latest']);
    expect(names(await plain)).toEqual(['b:latest']);
    await vi.advanceTimersByTimeAsync(LIST_BEHIND_MS);
    expect(calls).toHaveLength(2); // the one behind was that one
  });

  it('a placement while the next reading is under way takes the last answer too, and begins no other', async () => {
    const { engine, calls, answer } = await readOnce();
    vi.setSystemTime(Date.now() + 2000);
    const plain = engine.ps(); // begins the next reading, and waits for it
    expect(names((await settled(engine.list({ recent: true }))) as Array<{ name: string }>)).toEqual(['a:latest']);
    expect(calls).toHaveLength(2);
    await answer(['b:latest']);
    expect(names(await plain)).toEqual(['b:latest']);
  });

  it('past 30 s old: a placement waits for the new reading, with its signal', async () => {
    const { engine, calls, answer } = await readOnce();
    vi.setSystemTime(Date.now() + 30_001);
    const signal = new AbortController().signal;
    const placed = engine.ps({ recent: true, signal });
    expect(await settled(placed)).toBe('waiting');
    expect(calls[1]!.signal).toBe(signal);
    await answer(['b:latest']);
    expect(names(await placed)).toEqual(['b:latest']);
  });

  it('a refresh waits for the box to read afresh, however recent the last reading', async () => {
    const { engine, calls, answer } = await readOnce();
    vi.setSystemTime(Date.now() + 1500);
    const refreshed = engine.ps({ recent: true, refresh: true });
    expect(await settled(refreshed)).toBe('waiting');
    expect(calls[1]!.args).toEqual({ refresh: true });
    await answer(['b:latest']);
    expect(names(await refreshed)).toEqual(['b:latest']);
  });

  it('a reading that failed is no answer for a placement: it waits for the next', async () => {
    const { engine, calls, answer } = await readOnce();
    vi.setSystemTime(Date.now() + 1500);
    const failed = engine.ps().catch((err: unknown) => err);
    await answer('refused');
    expect(await failed).toBeInstanceOf(Error);
    vi.setSystemTime(Date.now() + 1500);
    // the answer before it is 3 s old, and was answered: a placement takes it
    expect(names((await settled(engine.ps({ recent: true }))) as Array<{ name: string }>)).toEqual(['a:latest']);
    await answer(['b:latest']);
    vi.setSystemTime(Date.now() + 4000);
    const later = engine.ps().catch((err: unknown) => err); // b, 4 s old: read again, and refused
    await answer('refused');
    expect(await later).toBeInstanceOf(Error);
    vi.setSystemTime(Date.now() + 500);
    expect(names((await settled(engine.ps({ recent: true }))) as Array<{ name: string }>)).toEqual(['b:latest']);
    await vi.advanceTimersByTimeAsync(LIST_BEHIND_MS); // the next one read behind it
    expect(calls).toHaveLength(5);
  });

  it("the catalog's placement (list recent) passes it on: answered from the last list while the next is read", async () => {
    for (const recent of [true, false]) {
      const { engine, answer } = await readOnce();
      const catalog = new Catalog(engine, { ttlMs: 1000 });
      expect(names((await catalog.list()).models)).toEqual(['a:latest']);
      vi.setSystemTime(Date.now() + 3000);
      const listed = catalog.list({ recent });
      const now = await settled(listed);
      expect(now === 'waiting' ? now : names(now.models)).toEqual(recent ? ['a:latest'] : 'waiting');
      await answer(['b:latest']);
      expect(names((await listed).models)).toEqual(recent ? ['a:latest'] : ['b:latest']);
      vi.useRealTimers();
    }
  });
});
