// A relaying server gone or stopped mid-answer under a hold (issue 80, findings 4 and 5), with the
// built servers: two shared servers of other settings on one machine, one engine whose memory holds
// phi3:mini or qwen2.5:14b, not both. The second server's generation on phi3:mini runs straight to
// the engine under a hold the planner lent, counted in the planner's loader; the planner's own call on
// qwen2.5:14b needs phi3:mini's room. Killed, the relaying server's connection was left half-open on
// the planner's end and its request counted for good; stopped (SIGSTOP), counted until it was
// continued — the load waited either way. Now it is answered within 15 s (measured: ~3 s killed,
// ~8 s stopped). A launch serving on its own whose client closes ended its request as it left before
// too (~8 s; now ~3 s, its connection's end seen at once): kept as a guard. Real-time waits: slow.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama, type FakeModel } from '../fake-ollama/server.js';
import { QWEN_14B } from '../helpers/turn-models.js';
import { runtimeDir, servedBy, sharedLaunch, stopShared, type SharedLaunch } from '../helpers/shared.js';
import { tempHome } from '../helpers/spawn.js';

const SLOW = 'phi3:mini';
const BIG = 'qwen2.5:14b';
/** phi3:mini writes a token every 500 ms: an answer held open; qwen2.5:14b (11.6 GB at 4,096 tokens) needs its room. */
const MODELS: FakeModel[] = [{ ...DEFAULT_MODELS.find((m) => m.name === SLOW)!, tokenDelayMs: 500 }, QWEN_14B];
const RAM = 'ram:\n  budget: 14GB\n  bufferBytes: 0\n';

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args }, { timeout: 120_000 });
  return { isError: res.isError === true, text: (res.content as Array<{ text: string }>)[0]!.text };
};
const generate = (l: SharedLaunch, model: string, prompt: string, maxTokens: number) =>
  call(l, 'route_and_generate', { prompt, model, maxTokens, useMemory: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The planner `a` and the relaying server `b` (other settings), b's generation on phi3:mini under a hold and
 * running at the engine (`tokens` of 500 ms each) when b goes (`how`): its shared server killed or stopped,
 * or — serving on its own — its client closing; the planner's call on qwen2.5:14b made then, and how long it
 * took (ms).
 */
async function relayedThen(tokens: number, how: 'SIGKILL' | 'SIGSTOP' | 'closed'): Promise<number> {
  let stopped = 0;
  const fake = await FakeOllama.start({ models: MODELS, memoryBytes: 14e9, tokenDelayMs: 0 });
  fake.reply('word '.repeat(200).trim());
  const runtime = runtimeDir();
  const launches: SharedLaunch[] = [];
  const launch = async (name: string, yaml: string, env: Record<string, string> = {}) => {
    const home = tempHome(yaml);
    const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name, env });
    launches.push(l);
    return l;
  };
  try {
    const a = await launch('agent-a', `shared:\n  idleSeconds: 60\n${RAM}`);
    expect((await call(a, 'list_models', {})).isError).toBe(false); // its core made, and so its claim
    const b = await launch(
      'agent-b',
      `shared:\n  idleSeconds: 60\n${RAM}model:\n  routing:\n    defaultProfile: fast\n`,
      how === 'closed' ? { OLLM_SHARED: '0' } : {},
    );
    const first = await generate(b, SLOW, 'The first, through the planner.', 1);
    expect(first.isError, first.text).toBe(false);
    await sleep(400); // the hold asked after a call through the planner
    const before = fake.generations().length;
    void generate(b, SLOW, 'A long one, under the hold.', tokens).catch(() => undefined);
    for (const end = Date.now() + 5000; fake.generations().length === before && Date.now() < end;) await sleep(20);
    const seen = fake.requests.filter((r) => JSON.stringify(r.body ?? '').includes('A long one')).length;
    expect(seen).toBe(1); // at the engine straight from b
    if (how === 'closed') await b.close();
    else {
      const pid = servedBy(b);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, how);
      if (how === 'SIGSTOP') stopped = pid;
      // killed with its launch at once, or the launch would send its call again to the next shared server
      else process.kill(b.pid, 'SIGKILL');
    }
    const t0 = Date.now();
    const r = await Promise.race([generate(a, BIG, 'Say hi.', 4), sleep(15_000).then(() => undefined)]);
    expect(r, "the planner's load was not answered within 15 s").toBeDefined();
    expect(r!.isError, r!.text).toBe(false);
    return Date.now() - t0;
  } finally {
    if (stopped) process.kill(stopped, 'SIGCONT');
    await Promise.all(launches.map((l) => l.close()));
    stopShared(runtime);
    await fake.stop();
  }
}

describe("the planner's load needing the room of a request relayed under a hold", () => {
  it('the relaying server killed mid-answer: answered within 15 s', { timeout: 90_000 }, async () => {
    const ms = await relayedThen(60, 'SIGKILL');
    expect(ms).toBeLessThan(15_000);
  });

  it(
    'the relaying server serving on its own, its client closing mid-answer: answered within 15 s',
    { timeout: 90_000 },
    async () => {
      const ms = await relayedThen(60, 'closed');
      expect(ms).toBeLessThan(15_000);
    },
  );

  it('the relaying server stopped (SIGSTOP) mid-answer: answered within 15 s', { timeout: 90_000 }, async () => {
    // the engine's answer ends soon after (an unload waits for the request running there, as Ollama's does)
    const ms = await relayedThen(6, 'SIGSTOP');
    expect(ms).toBeLessThan(15_000);
  });
});
