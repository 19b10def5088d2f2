/**
 * A server's first call, as a client sees it: the built server started over stdio (on its own,
 * `OLLM_SHARED=0`), left idle a second as a client that starts its servers at launch leaves it, then
 * one quick generation on a fake Ollama at zero latency — side by side, interleaved, with the same
 * server told to leave its one-off work to that call (`OLLM_READY_AHEAD=0`: the classifier's patterns
 * compiled and the state database opened by the call itself, orchestrator/ready-ahead.ts). Each side
 * keeps one home across its rounds (its database made in the first), as a user's does. Goal: the
 * first call ready ahead ≤ 0.7× the first call that does it all (medians of the rounds).
 */
import { FakeOllama } from '../test/fake-ollama/server.js';
import { connect, tempHome } from '../test/helpers/spawn.js';

const ROUNDS = Number(process.env.OLLM_BENCH_FIRST_ROUNDS ?? 7);
const IDLE_MS = 1000;
const GOAL = 0.7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One server started, left idle, asked once: the call's time, ms. */
async function firstCall(host: string, home: string, extra: Record<string, string>): Promise<number> {
  const env = { HOME: home, OLLM_HOME: home, OLLAMA_HOST: host, OLLM_SHARED: '0', OLLM_LOG_LEVEL: 'error', ...extra };
  const session = await connect(env, [], home);
  try {
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const t = performance.now();
    const r = await session.client.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', maxTokens: 16 } });
    const ms = performance.now() - t;
    if (r.isError) throw new Error(`first-call: ${JSON.stringify(r.content).slice(0, 300)}`);
    return ms;
  } finally {
    await session.close();
  }
}

export async function benchFirstCall(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0 });
  fake.reply('a b c d');
  const homes = { ahead: tempHome(''), off: tempHome('') };
  const times = { ahead: [] as number[], off: [] as number[] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      times.ahead.push(await firstCall(fake.host, homes.ahead, {}));
      times.off.push(await firstCall(fake.host, homes.off, { OLLM_READY_AHEAD: '0' }));
    }
  } finally {
    await fake.stop();
  }
  const ahead = median(times.ahead);
  const off = median(times.off);
  const ok = ahead <= GOAL * off;
  const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  return {
    ok,
    lines: [
      `first-call: a quick generation ${IDLE_MS} ms after start, median of ${ROUNDS}: ready ahead ${ahead.toFixed(0)} ms ` +
        `(${runs(times.ahead)}), the call doing it all ${off.toFixed(0)} ms (${runs(times.off)})`,
      `first-call: ${(ahead / off).toFixed(2)}× (goal ≤ ${GOAL}×) ${ok ? 'OK' : 'OVER'}`,
    ],
  };
}
