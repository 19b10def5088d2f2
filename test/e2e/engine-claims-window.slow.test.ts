// A model of a small window through another server's engine claim (issue 81, finding 5): two shared servers of
// other settings on one machine, one engine whose phi3:mini has a 4,096-token window. The planner answers "hello
// there" on it for its own client; the second server's client is answered the same through the claim — its relayed
// call carries only what the caller asked (no answer limit it did not set, which the planner held the window to:
// "refused … too small for ~3 prompt + 4096 answer tokens"). A caller's own maxTokens still bounds the answer there,
// and a request that truly cannot fit is still refused, in the window's words.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../fake-ollama/server.js';
import { launcherIn, runtimeDir, servedBy, sharedFixture, type SharedLaunch } from '../helpers/shared.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const SMALL = 'phi3:mini';
const state = sharedFixture({
  models: DEFAULT_MODELS.map((m) => (m.name === SMALL ? { ...m, contextLength: 4096 } : m)),
});

const call = async (l: SharedLaunch, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name: 'route_and_generate', arguments: { useMemory: false, ...args } });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as { model?: string; doneReason?: string; metrics?: { outputTokens: number } },
  };
};

/** The answer's limit each generation of `prompt` reached the engine with (Ollama's num_predict). */
const numPredicts = (prompt: string) =>
  state.fake.requests
    .filter((r) => r.path === '/api/generate' && String((r.body as { prompt?: string }).prompt).includes(prompt))
    .map((r) => (r.body as { options?: { num_predict?: number } }).options?.num_predict);

describe("a small window through another server's engine claim", () => {
  it(
    'is answered as the planner answers it, bounded by the caller’s maxTokens, refused only when it cannot fit',
    { timeout: 60_000 },
    async () => {
      const launch = launcherIn(state, runtimeDir());
      const a = await launch('agent-a', 'shared:\n  idleSeconds: 30\n');
      // the planner's own client (its core made, and so its claim): the small window takes a short question
      const own = await call(a, { prompt: 'hello there, planner', model: SMALL });
      expect(own.isError, own.text).toBe(false);
      const b = await launch('agent-b', 'shared:\n  idleSeconds: 30\nmodel:\n  routing:\n    defaultProfile: fast\n');
      expect(servedBy(b)).not.toBe(servedBy(a));

      // the same call from the other server's client, relayed through the claim: answered by the model named
      const relayed = await call(b, { prompt: 'hello there', model: SMALL });
      expect(relayed.isError, relayed.text).toBe(false);
      expect(relayed.out.model).toBe(SMALL);
      expect(numPredicts('hello there').length).toBe(2);
      // ...through the planner, which names the relaying server's agent
      const metrics = JSON.parse(
        ((await a.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
      ) as { agents: Array<{ agent: string; requests: number }> };
      expect(metrics.agents.find((x) => x.agent === 'local/agent-b')?.requests).toBeGreaterThanOrEqual(1);

      // a caller's own maxTokens still bounds the answer: relayed with it, the engine stops there
      state.fake.reply(oneTokenWords(400, 'word'));
      const bounded = await call(b, { prompt: 'Tell a long story.', model: 'qwen2.5-coder:7b', maxTokens: 20 });
      expect(bounded.isError, bounded.text).toBe(false);
      expect(numPredicts('Tell a long story.')).toEqual([20]);
      expect(bounded.out).toMatchObject({ doneReason: 'length', metrics: { outputTokens: 20 } });

      // what truly cannot fit is refused in the window's words, and nothing is generated
      const tooBig = await call(b, { prompt: 'hello there, all of it', model: SMALL, maxTokens: 4096 });
      expect(tooBig.isError).toBe(true);
      expect(tooBig.text).toMatch(/4096-token window is too small for ~\d+ prompt \+ 4096 answer tokens/);
      expect(numPredicts('hello there, all of it')).toEqual([]);
    },
  );
});
