import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';
import { streamGenerate } from '../../src/orchestrator/generation/stream.js';

/** An engine that streams "word " for `chunks` chunks whatever it is told, then says how it ended. */
function engine(chunks: number, doneReason: string): Engine {
  const generate = async (req: GenerateRequest) => {
    for (let i = 0; i < chunks; i++) req.onDelta({ text: 'word ' }); // ignores a 'stop'
    return { doneReason };
  };
  return { host: 'h', who: 'the engine', generate } as unknown as Engine; // only what streamGenerate uses
}

const request = {
  model: 'm',
  prompt: 'p',
  keepAlive: '5m',
  numCtx: 4096,
  temperature: 0,
  topP: 1,
  maxTokens: 20,
  stallMs: 10_000,
  firstTokenMs: 10_000,
  numParallel: 1,
};

describe('streamGenerate: how the answer ended', () => {
  it('an answer stopped at its limit here ended by the length limit, whatever the engine says', async () => {
    const out = await streamGenerate(engine(100, 'stop'), request);
    expect(out.doneReason).toBe('length');
    // the engine ignored the stop; the text is bounded by characters, not cut here
    expect(out.text).toBe('word '.repeat(100));
  });

  it("an answer that ends within its limit keeps the engine's reason", async () => {
    expect((await streamGenerate(engine(5, 'stop'), request)).doneReason).toBe('stop');
    expect((await streamGenerate(engine(5, 'length'), request)).doneReason).toBe('length');
  });
});

describe('streamGenerate: cancelled in the middle of a burst', () => {
  /** An engine whose tokens come faster than the request closes: a whole burst arrives in one read. */
  function burst(size: number, after: (req: GenerateRequest) => Promise<{ doneReason: string }>): Engine {
    const generate = async (req: GenerateRequest) => {
      for (let i = 0; i < size; i++) req.onDelta({ text: 'word ' });
      return after(req);
    };
    return { host: 'h', who: 'the engine', generate } as unknown as Engine;
  }

  it('tells no token past the cancel and rejects as cancelled, even when the engine then ends normally', async () => {
    const ac = new AbortController();
    const told: number[] = [];
    const p = streamGenerate(
      burst(60, async () => ({ doneReason: 'stop' })),
      {
        ...request,
        maxTokens: 1000,
        signal: ac.signal,
        onToken: (n) => {
          told.push(n);
          if (n === 5) ac.abort();
        },
      },
    );
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(told).toEqual([1, 2, 3, 4, 5]);
  });

  it('an engine told to stop at the cancel sees "stop" on the next piece', async () => {
    const ac = new AbortController();
    const answers: Array<'stop' | void> = [];
    const engine = {
      host: 'h',
      who: 'the engine',
      generate: async (req: GenerateRequest) => {
        for (let i = 0; i < 8; i++) answers.push(req.onDelta({ text: 'word ' }));
        return { doneReason: 'stop' };
      },
    } as unknown as Engine;
    const p = streamGenerate(engine, {
      ...request,
      maxTokens: 1000,
      signal: ac.signal,
      onToken: (n) => n === 3 && ac.abort(),
    });
    await expect(p).rejects.toMatchObject({ kind: 'aborted' });
    expect(answers).toEqual([undefined, undefined, undefined, 'stop', 'stop', 'stop', 'stop', 'stop']);
  });

  it('uncancelled, the same burst is told whole and answers', async () => {
    const told: number[] = [];
    const out = await streamGenerate(
      burst(60, async () => ({ doneReason: 'stop' })),
      { ...request, maxTokens: 1000, signal: new AbortController().signal, onToken: (n) => told.push(n) },
    );
    expect(told.length).toBe(60);
    expect(out.text).toBe('word '.repeat(60));
  });
});
