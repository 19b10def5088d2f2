/**
 * The model a split job's parts go to (route/offload-order.ts splitModel): the route's order, passing over a
 * model whose parts would each hold under half the input the roomiest's hold — a model loaded with Ollama's
 * default 4k window beside one loaded with 8k (issue 82's rush: 61–65 parts and up to 15 combining requests at
 * 4k where 8k took 26 and 3).
 */
import { describe, expect, it } from 'vitest';
import { roomWhy, splitModel } from '../../src/orchestrator/route/offload-order.js';
import type { Windowed } from '../../src/orchestrator/fleet/windows.js';

const model = (name: string, contextWindow: number, room: number) =>
  ({ name, contextWindow, room }) as unknown as Windowed & { room: number };
const room = (m: { room: number }) => m.room;
const able = () => undefined;

describe('splitModel', () => {
  it('keeps the route’s first when its parts hold half the roomiest’s or more', () => {
    const first = model('llama3.1:8b', 8192, 3400);
    const roomy = model('qwen2.5-coder:7b', 16384, 6800);
    expect(splitModel([first, roomy], able, room)).toBe(first);
  });

  it('passes over the route’s first when its parts hold under half the roomiest’s', () => {
    // at 4096 a part holds ~2.3k once the task, the facts and the answer are carried; at 8192 ~6.3k
    const first = model('llama3.1:8b', 4096, 2300);
    const roomy = model('qwen2.5-coder:7b', 8192, 6300);
    expect(splitModel([first, roomy], able, room)).toBe(roomy);
    expect(roomWhy(first, roomy)).toBe(
      "its parts at its 4096-token window would hold under half of what qwen2.5-coder:7b's hold",
    );
  });

  it('weighs the room for input, not the window: half the window can leave far under half the room', () => {
    // windows 4096 and 8192 are exactly half — the old rule kept the first — yet the parts hold 2300 and 6300
    const first = model('a', 4096, 2300);
    const second = model('b', 8192, 6300);
    expect(first.contextWindow * 2 >= second.contextWindow).toBe(true);
    expect(splitModel([first, second], able, room)).toBe(second);
  });

  it('models that cannot take the job are left out before the roomiest is found', () => {
    const first = model('a', 4096, 2300);
    const huge = model('b', 131072, 120000);
    const why = (m: Windowed) => (m.name === 'b' ? 'does not fit in its host’s memory' : undefined);
    expect(splitModel([first, huge], why, room)).toBe(first);
    expect(splitModel([huge], why, room)).toBeUndefined();
  });

  it("the user's choice for the work is kept whatever its room", () => {
    const chosen = { ...model('llama3.1:8b', 4096, 2300), chosen: true as const };
    const roomy = model('qwen2.5-coder:7b', 8192, 6300);
    expect(splitModel([chosen, roomy], able, room)).toBe(chosen);
  });
});
