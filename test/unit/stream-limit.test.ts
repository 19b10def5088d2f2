import { describe, expect, it } from 'vitest';
import type { Engine, GenerateRequest } from '../../src/orchestrator/engines/engine.js';
import { streamGenerate } from '../../src/orchestrator/generation/stream.js';

/** An engine that streams "word " for `chunks` chunks whatever it is told, then says how it ended. */
function engine(chunks: number, doneReason: string): Engine {
  const generate = async (req: GenerateRequest) => {
    for (let i = 0; i < chunks; i++) req.onDelta({ text: 'word ' }); // ignores a 'stop'
    return { doneReason };
  };
  return { host: 'h', who: 'the engine', generate } as unknown as Engine; // only what streamGenerate uses
}

const request = { model: 'm', prompt: 'p', keepAlive: '5m', numCtx: 4096, temperature: 0, topP: 1, maxTokens: 20, stallMs: 10_000, firstTokenMs: 10_000, numParallel: 1 };

describe('streamGenerate: how the answer ended', () => {
  it('an answer stopped at its limit here ended by the length limit, whatever the engine says', async () => {
    const out = await streamGenerate(engine(100, 'stop'), request);
    expect(out.doneReason).toBe('length');
    expect(out.text).toBe('word '.repeat(100)); // the engine ignored the stop; the text is bounded by characters, not cut here
  });

  it("an answer that ends within its limit keeps the engine's reason", async () => {
    expect((await streamGenerate(engine(5, 'stop'), request)).doneReason).toBe('stop');
    expect((await streamGenerate(engine(5, 'length'), request)).doneReason).toBe('length');
  });
});
