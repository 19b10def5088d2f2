/**
 * Pulling a model (src/orchestrator/models/pull.ts) against a scripted engine: progress summed over
 * layers and never going back, the phases, one shared download per model cancelled only when every
 * caller has cancelled, the stall limit and what re-arms it, and each error said as what it is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Catalog } from '../../src/orchestrator/models/catalog.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { PullLine } from '../../src/orchestrator/engines/engine-requests.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';
import { Puller, type PullProgress } from '../../src/orchestrator/models/pull.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';

const HOST = '127.0.0.1:11434';

/** An engine whose pull plays `lines` one by one, each when `step()` is called (or all at once). */
class ScriptedEngine {
  readonly host = HOST;
  pulls = 0;
  lastSignal?: AbortSignal;
  insecure: Array<boolean | undefined> = [];
  private waiting: Array<() => void> = [];
  constructor(
    private lines: PullLine[],
    private readonly opts: { stepwise?: boolean; fail?: unknown } = {},
  ) {}

  async pull(
    _model: string,
    o: { insecure?: boolean; onLine(line: PullLine): 'done' | void },
    options?: { signal?: AbortSignal },
  ): Promise<void> {
    this.pulls++;
    this.insecure.push(o.insecure);
    this.lastSignal = options?.signal;
    for (const line of this.lines) {
      // a real engine answers over the network: never within the call that asked
      if (!this.opts.stepwise) await new Promise((r) => setImmediate(r));
      else
        await new Promise<void>((resolve, reject) => {
          this.waiting.push(resolve);
          options?.signal?.addEventListener(
            'abort',
            () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })),
            { once: true },
          );
        });
      if (options?.signal?.aborted)
        throw Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
      if (o.onLine(line) === 'done') return;
    }
    await new Promise((r) => setImmediate(r));
    if (this.opts.fail !== undefined) throw this.opts.fail;
  }

  /** Lets the next line through. */
  step(): void {
    this.waiting.shift()?.();
  }

  toError(err: unknown, what: string): HostError {
    return new HostError('unreachable', `${what}: ${(err as Error).message}`, HOST);
  }
}

/** A catalog whose cached list is stale (empty) unless refreshed, as Catalog's is after a pull elsewhere. */
class StubCatalog {
  installed = new Map<string, { name: string; sizeBytes: number }>();
  invalidated = 0;
  async get(name: string, options: { refresh?: boolean; signal?: AbortSignal } = {}) {
    options.signal?.throwIfAborted();
    return options.refresh ? this.installed.get(name) : undefined;
  }
  invalidate() {
    this.invalidated++;
  }
}

function puller(engine: ScriptedEngine, catalog = new StubCatalog(), stallMs = 60_000) {
  return new Puller(engine as unknown as Engine, catalog as unknown as Catalog, stallMs);
}

const flush = () => new Promise((r) => setImmediate(r));

describe('progress', () => {
  it('sums bytes over layers, says each status with its share, never goes back, and ends at success', async () => {
    const engine = new ScriptedEngine([
      { status: 'pulling manifest' },
      { status: 'pulling aaa', digest: 'sha256:aaa', total: 300, completed: 100 },
      { status: 'pulling bbb', digest: 'sha256:bbb', total: 100, completed: 0 },
      { status: 'pulling aaa', digest: 'sha256:aaa', total: 300, completed: 50 }, // re-reported lower: kept at 100
      { status: 'pulling bbb', digest: 'sha256:bbb', total: 100, completed: 500 }, // past its total: held to it
      { status: 'verifying sha256 digest' },
      { status: 'success' },
      { status: 'never read' },
    ]);
    const catalog = new StubCatalog();
    const seen: PullProgress[] = [];
    const phases: Phase[] = [];
    const pulled = puller(engine, catalog).pull({
      model: 'qwen3:4b',
      force: true,
      onProgress: (p) => seen.push(p),
      progress: { enter: (p) => phases.push(p) },
    });
    catalog.installed.set('qwen3:4b', { name: 'qwen3:4b', sizeBytes: 400 });
    const result = await pulled;
    expect(result).toMatchObject({ model: 'qwen3:4b', status: 'pulled', sizeBytes: 400 });
    expect(seen.map((p) => [p.status, p.downloading, p.completedBytes, p.totalBytes, p.message])).toEqual([
      ['pulling manifest', false, 0, 0, 'pulling manifest'],
      ['pulling aaa', true, 100, 300, 'pulling aaa — 33% (100 B of 300 B)'],
      ['pulling bbb', true, 100, 400, 'pulling bbb — 25% (100 B of 400 B)'],
      ['pulling aaa', true, 100, 400, 'pulling aaa — 25% (100 B of 400 B)'],
      ['pulling bbb', true, 200, 400, 'pulling bbb — 50% (200 B of 400 B)'],
      ['verifying sha256 digest', false, 200, 400, 'verifying sha256 digest'],
      ['success', false, 200, 400, 'success'],
    ]);
    expect(phases[0]).toEqual({
      kind: 'pulling',
      model: 'qwen3:4b',
      status: 'starting the download',
      downloading: false,
      completedBytes: 0,
      totalBytes: 0,
    });
    expect(phases[2]).toEqual({
      kind: 'pulling',
      model: 'qwen3:4b',
      status: 'pulling aaa',
      downloading: true,
      completedBytes: 100,
      totalBytes: 300,
    });
    expect(catalog.invalidated).toBe(1);
  });

  it('counts at most 1,000 layers', async () => {
    const lines: PullLine[] = Array.from({ length: 1001 }, (_, i) => ({
      status: `pulling ${i}`,
      digest: `sha256:${i}`,
      total: 10,
      completed: 10,
    }));
    const seen: PullProgress[] = [];
    await puller(new ScriptedEngine(lines)).pull({ model: 'm:1b', force: true, onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toMatchObject({ completedBytes: 10_000, totalBytes: 10_000, message: 'pulling 1000' });
    expect(seen.at(-2)).toMatchObject({ completedBytes: 10_000, message: 'pulling 999 — 100% (10.0 KB of 10.0 KB)' });
  });

  it('with 1,000 layers counted, more bytes of one of them still count', async () => {
    const lines: PullLine[] = Array.from({ length: 1000 }, (_, i) => ({
      status: `pulling ${i}`,
      digest: `sha256:${i}`,
      total: 10,
      completed: 0,
    }));
    lines.push({ status: 'pulling 0', digest: 'sha256:0', total: 10, completed: 10 });
    const seen: PullProgress[] = [];
    await puller(new ScriptedEngine(lines)).pull({ model: 'm:1b', force: true, onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toMatchObject({ completedBytes: 10, totalBytes: 10_000 });
  });

  it('a line with a total but no layer digest is a status, not a layer', async () => {
    const seen: PullProgress[] = [];
    await puller(new ScriptedEngine([{ status: 'verifying', total: 50, completed: 50 }])).pull({
      model: 'm:1b',
      force: true,
      onProgress: (p) => seen.push(p),
    });
    expect(seen).toEqual([
      { completedBytes: 0, totalBytes: 0, status: 'verifying', downloading: false, message: 'verifying' },
    ]);
  });

  it('a caller with a signal never aborted is answered when the download ends', async () => {
    const signal = new AbortController().signal;
    const result = await puller(new ScriptedEngine([{ status: 'success' }])).pull({
      model: 'm:1b',
      force: true,
      signal,
    });
    expect(result).toMatchObject({ model: 'm:1b', status: 'pulled' });
  });

  it('a line without a total is a status, not a layer', async () => {
    const seen: PullProgress[] = [];
    await puller(new ScriptedEngine([{ status: 'pulling x', digest: 'sha256:x', completed: 5 }])).pull({
      model: 'm:1b',
      force: true,
      onProgress: (p) => seen.push(p),
    });
    expect(seen).toEqual([
      { completedBytes: 0, totalBytes: 0, status: 'pulling x', downloading: true, message: 'pulling x' },
    ]);
  });
});

describe('what is installed', () => {
  it('a model already installed is not pulled again, unless forced', async () => {
    const engine = new ScriptedEngine([{ status: 'success' }]);
    const catalog = new StubCatalog();
    catalog.installed.set('qwen3:4b', { name: 'qwen3:4b', sizeBytes: 2_500 });
    const phases: Phase[] = [];
    const p = puller(engine, catalog);
    expect(await p.pull({ model: 'qwen3:4b', progress: { enter: (x) => phases.push(x) } })).toMatchObject({
      model: 'qwen3:4b',
      status: 'already_present',
      sizeBytes: 2_500,
    });
    expect(phases).toEqual([{ kind: 'starting', what: 'checking whether qwen3:4b is installed' }]);
    expect(engine.pulls).toBe(0);
    expect(await p.pull({ model: 'qwen3:4b', force: true })).toMatchObject({ status: 'pulled', sizeBytes: 2_500 });
    expect(engine.pulls).toBe(1);
  });

  it('a bad name is refused before anything is asked', async () => {
    const engine = new ScriptedEngine([]);
    const err = await puller(engine)
      .pull({ model: ' bad name' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).kind).toBe('bad_request');
    expect((err as HostError).message).toMatch(/leading or trailing whitespace/);
    expect(engine.pulls).toBe(0);
  });

  it('a model the host does not show after the pull is named as asked, size unknown', async () => {
    expect(
      await puller(new ScriptedEngine([{ status: 'success' }])).pull({ model: 'm:1b', force: true }),
    ).toMatchObject({ model: 'm:1b', status: 'pulled', sizeBytes: 0 });
  });
});

describe('one download per model', () => {
  it('callers share it; the second hears the progress so far; it stops only when every caller has cancelled', async () => {
    const engine = new ScriptedEngine(
      [{ status: 'pulling a', digest: 'sha256:a', total: 100, completed: 40 }, { status: 'success' }],
      { stepwise: true },
    );
    const p = puller(engine);
    const first = new AbortController();
    const second = new AbortController();
    const firstPull = p.pull({ model: 'm:1b', force: true, signal: first.signal }).catch((e: unknown) => e);
    await flush();
    engine.step();
    await flush();
    const heard: PullProgress[] = [];
    const secondPull = p
      .pull({ model: 'm:1b', force: true, signal: second.signal, onProgress: (x) => heard.push(x) })
      .catch((e: unknown) => e);
    await flush();
    expect(engine.pulls).toBe(1);
    expect(heard).toEqual([expect.objectContaining({ completedBytes: 40, totalBytes: 100 })]);
    first.abort();
    const firstErr = await firstPull;
    expect(firstErr).toBeInstanceOf(HostError);
    expect((firstErr as HostError).kind).toBe('aborted');
    expect((firstErr as HostError).message).toBe('Pulling "m:1b" was cancelled.');
    expect(engine.lastSignal?.aborted).toBe(false); // the other caller still wants it
    second.abort();
    await secondPull;
    expect(engine.lastSignal?.aborted).toBe(true);
  });

  it('a caller that asks with a signal already aborted is answered at once', async () => {
    const engine = new ScriptedEngine([{ status: 'success' }], { stepwise: true });
    const err = await puller(engine)
      .pull({ model: 'm:1b', force: true, signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect((err as HostError).kind).toBe('aborted');
  });

  it('a download that finished is not shared with a later pull', async () => {
    const engine = new ScriptedEngine([{ status: 'success' }]);
    const p = puller(engine);
    await p.pull({ model: 'm:1b', force: true });
    await p.pull({ model: 'm:1b', force: true });
    expect(engine.pulls).toBe(2);
  });
});

describe('a stalled download', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stops after stallMs without bytes, saying how to resume and what to raise', async () => {
    const engine = new ScriptedEngine(
      [{ status: 'pulling a', digest: 'sha256:a', total: 100, completed: 10 }, { status: 'success' }],
      { stepwise: true },
    );
    const pulled = puller(engine, new StubCatalog(), 5_000)
      .pull({ model: 'm:1b', force: true })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(4_000);
    engine.step(); // 10 bytes: the limit starts again
    await vi.advanceTimersByTimeAsync(4_999);
    expect(engine.lastSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await pulled;
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).kind).toBe('timeout');
    expect((err as HostError).message).toBe(
      'Pulling "m:1b" stalled: no bytes for 5 s while downloading, so it was stopped. Run ' +
        'pull_model again — Ollama resumes the download where it stopped; on a slow or flaky link ' +
        'raise ollama.pullStallTimeoutMs (5000 ms).',
    );
  });

  it('a new step re-arms the limit; the same status again, or a layer without new bytes, does not', async () => {
    const lines: PullLine[] = [
      { status: 'pulling manifest' },
      { status: 'pulling manifest' },
      { status: 'pulling a', digest: 'sha256:a', total: 100, completed: 0 },
      { status: 'success' },
    ];
    const engine = new ScriptedEngine(lines, { stepwise: true });
    const pulled = puller(engine, new StubCatalog(), 1_000)
      .pull({ model: 'm:1b', force: true })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(900);
    engine.step(); // a new status: re-armed at 900
    await vi.advanceTimersByTimeAsync(900);
    engine.step(); // the same status: not re-armed
    await vi.advanceTimersByTimeAsync(50);
    engine.step(); // a layer with no bytes yet: not re-armed
    await vi.advanceTimersByTimeAsync(49);
    expect(engine.lastSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await pulled) as HostError).kind).toBe('timeout');
  });
});

describe('errors', () => {
  it('a name the registry does not know is said so', async () => {
    for (const message of ['pull model manifest: file does not exist', 'manifest for x not found', 'model NOT FOUND']) {
      const err = await puller(new ScriptedEngine([], { fail: new Error(message) }))
        .pull({ model: 'nope:1b', force: true })
        .catch((e: unknown) => e);
      expect((err as HostError).kind, message).toBe('model_not_found');
      expect((err as HostError).message).toBe(
        '"nope:1b" was not found in the registry — check the name and tag (e.g. on ollama.com/library).',
      );
    }
  });

  it('a host that cannot be reached stays that, whatever its text; anything else goes through the engine', async () => {
    const unreachable = new HostError('unreachable', 'Ollama not found at 127.0.0.1:11434', HOST);
    expect(
      await puller(new ScriptedEngine([], { fail: unreachable }))
        .pull({ model: 'm:1b', force: true })
        .catch((e: unknown) => e),
    ).toBe(unreachable);
    const other = (await puller(new ScriptedEngine([], { fail: new Error('disk full') }))
      .pull({ model: 'm:1b', force: true })
      .catch((e: unknown) => e)) as HostError;
    expect(other.kind).toBe('unreachable');
    expect(other.message).toBe('pulling "m:1b": disk full');
    const said = new HostError('bad_request', 'insecure registry refused', HOST);
    expect(
      await puller(new ScriptedEngine([], { fail: said }))
        .pull({ model: 'm:1b', force: true })
        .catch((e: unknown) => e),
    ).toBe(said);
  });
});

describe('the rest of the contract', () => {
  beforeEach(() =>
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] }),
  );
  afterEach(() => vi.useRealTimers());

  it('asks what is installed afresh, with the caller’s signal, and needs no reporter', async () => {
    const catalog = new StubCatalog();
    catalog.installed.set('qwen3:4b', { name: 'qwen3:4b', sizeBytes: 7 });
    const engine = new ScriptedEngine([{ status: 'success' }]);
    vi.advanceTimersByTime(10_000); // the clock does not start at 0
    expect(await puller(engine, catalog).pull({ model: 'qwen3:4b' })).toEqual({
      model: 'qwen3:4b',
      status: 'already_present',
      sizeBytes: 7,
      durationMs: 0,
    });
    const err = await puller(engine, catalog)
      .pull({ model: 'qwen3:4b', signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError'); // the check itself was stopped
  });

  it('pulls what is not installed, says how long it took, and leaves no timer behind', async () => {
    const catalog = new StubCatalog();
    const engine = new ScriptedEngine(
      [{ status: 'pulling a', digest: 'sha256:a', total: 10, completed: 10 }, { status: 'success' }],
      { stepwise: true },
    );
    await vi.advanceTimersByTimeAsync(10_000); // the clock does not start at 0
    const pulled = puller(engine, catalog).pull({ model: 'new:1b' });
    await vi.advanceTimersByTimeAsync(1_500);
    engine.step();
    await vi.advanceTimersByTimeAsync(0);
    engine.step();
    catalog.installed.set('new:1b', { name: 'new:1b', sizeBytes: 10 });
    expect(await pulled).toEqual({ model: 'new:1b', status: 'pulled', sizeBytes: 10, durationMs: 1_500 });
    expect(engine.insecure).toEqual([false]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes insecure on to the engine', async () => {
    const engine = new ScriptedEngine([{ status: 'success' }]);
    await puller(engine).pull({ model: 'm:1b', force: true, insecure: true });
    expect(engine.insecure).toEqual([true]);
  });

  it('a caller that cancelled hears no more of the download others still wait for', async () => {
    const engine = new ScriptedEngine(
      [
        { status: 'pulling a', digest: 'sha256:a', total: 100, completed: 10 },
        { status: 'pulling a', digest: 'sha256:a', total: 100, completed: 50 },
        { status: 'success' },
      ],
      { stepwise: true },
    );
    const p = puller(engine);
    const quitter = new AbortController();
    const heardByQuitter: PullProgress[] = [];
    const first = p
      .pull({ model: 'm:1b', force: true, signal: quitter.signal, onProgress: (x) => heardByQuitter.push(x) })
      .catch((e: unknown) => e);
    const second = p.pull({ model: 'm:1b', force: true });
    await vi.advanceTimersByTimeAsync(0);
    engine.step();
    await vi.advanceTimersByTimeAsync(0);
    quitter.abort();
    await first;
    engine.step();
    await vi.advanceTimersByTimeAsync(0);
    engine.step();
    await second;
    expect(heardByQuitter.map((x) => x.completedBytes)).toEqual([10]);
  });

  it('a line repeating a layer’s bytes does not re-arm the stall limit', async () => {
    const line = { status: 'pulling a', digest: 'sha256:a', total: 100, completed: 30 };
    const engine = new ScriptedEngine([line, line, { status: 'success' }], { stepwise: true });
    const pulled = puller(engine, new StubCatalog(), 1_000)
      .pull({ model: 'm:1b', force: true })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    engine.step(); // 30 bytes: re-armed at 500
    await vi.advanceTimersByTimeAsync(900);
    engine.step(); // the same 30 bytes: not re-armed
    await vi.advanceTimersByTimeAsync(100);
    expect(((await pulled) as HostError).kind).toBe('timeout');
  });

  it('more bytes of a layer already counted re-arm the stall limit', async () => {
    const at = (completed: number) => ({ status: 'pulling a', digest: 'sha256:a', total: 100, completed });
    const engine = new ScriptedEngine([at(30), at(60), { status: 'success' }], { stepwise: true });
    const pulled = puller(engine, new StubCatalog(), 1_000)
      .pull({ model: 'm:1b', force: true })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    engine.step(); // 30 bytes: re-armed at 500
    await vi.advanceTimersByTimeAsync(900);
    engine.step(); // 30 more: re-armed at 1400
    await vi.advanceTimersByTimeAsync(999);
    expect(engine.lastSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(((await pulled) as HostError).kind).toBe('timeout');
  });

  it('a "not found" from the host is the registry’s unless the host itself could not be reached', async () => {
    const said = new HostError('bad_request', 'pull model manifest: not found', HOST);
    const err = (await puller(new ScriptedEngine([], { fail: said }))
      .pull({ model: 'nope:1b', force: true })
      .catch((e: unknown) => e)) as HostError;
    expect(err.kind).toBe('model_not_found');
  });
});
