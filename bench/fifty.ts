/**
 * Fifty agents at once (`npm run bench -- fifty`; issue 82, finding 5, held for contrast, and its Done-when: "the
 * fifty-agent case still 0 failed"): one fake Ollama with llama3.2 and four slots (OLLAMA_NUM_PARALLEL 4, a token
 * every 3 ms), and fifty MCP clients, each its own stdio launch of the built server, named `agent-01` … `agent-50`,
 * every launch forwarding to the one shared server. All fifty are connected first (the first alone, as it starts
 * the shared server, then the rest ten at a time), the model loaded by one call; then each client sends ten quick
 * calls (`route_and_generate {prompt, model: 'llama3.2', maxTokens: 32}`) one after the other, all fifty at once.
 * Each client cuts a call at 60 s. Measured: failed calls (an isError result, or a call that threw or timed out),
 * answers whole (the text the fake wrote for that very call, every word of it), the burst's wall time (first call
 * sent → last answer) and each call's latency, p50 and p90.
 *
 * Beside it, in the same run and on a fake of its own set up alike, the npm peer `ollama-mcp` when OLLM_BENCH_PEER
 * names its entry file (`npm install --prefix /tmp/peer ollama-mcp`, then
 * OLLM_BENCH_PEER=/tmp/peer/node_modules/ollama-mcp/dist/index.js): fifty peer processes, the same calls through
 * its `ollama_generate`.
 *
 * The goal (a check): no failed call on ollm-mcp, every answer whole. The burst and the p90 print beside the
 * peer's and are not judged: they are wall times on a shared machine (two cores here, each side's fifty-one
 * processes on them).
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama, type ReplyContext } from '../test/fake-ollama/server.js';
import { tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, sharedLaunch, stopShared } from '../test/helpers/shared.js';

const AGENTS = 50;
const CALLS = 10;
const MAX_TOKENS = 32;
const TIMEOUT_MS = 60_000;
const BATCH = 10;
const MODEL = 'llama3.2';

const promptOf = (agent: number, call: number) => `Agent ${agent}, question ${call}: say it is done.`;
/** The fake's answer to one call: its own, so an answer given to another call is not whole. */
const answerOf = (agent: number, call: number) => `Done for agent ${agent}, question ${call}, in full.`;

function reply(ctx: ReplyContext): string {
  const asked = /Agent (\d+), question (\d+)/.exec(ctx.prompt ?? JSON.stringify(ctx.messages ?? ''));
  return asked ? answerOf(Number(asked[1]), Number(asked[2])) : 'ok';
}

/** One client's call: the text of its answer, or why it failed. */
type Call = (client: Client, prompt: string) => Promise<{ text?: string; failed?: string }>;

interface Side {
  failed: number;
  whole: number;
  burstSeconds: number;
  p50: number;
  p90: number;
  connectSeconds: number;
  why: string[];
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? 0;

const ours: Call = async (client, prompt) => {
  const r = await client.callTool(
    { name: 'route_and_generate', arguments: { prompt, model: MODEL, maxTokens: MAX_TOKENS } },
    { timeout: TIMEOUT_MS },
  );
  if (r.isError) return { failed: JSON.stringify(r.content).slice(0, 200) };
  return { text: (r.structuredContent as { text?: string } | undefined)?.text ?? '' };
};

const peers: Call = async (client, prompt) => {
  const r = await client.callTool(
    {
      name: 'ollama_generate',
      arguments: { model: MODEL, prompt, options: JSON.stringify({ num_predict: MAX_TOKENS }) },
    },
    { timeout: TIMEOUT_MS },
  );
  const text = (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('');
  return r.isError ? { failed: text.slice(0, 200) } : { text };
};

/** Every client's ten calls, all clients at once; `whole` judges an answer's text against the fake's. */
async function burst(
  clients: Client[],
  call: Call,
  whole: (text: string, expected: string) => boolean,
): Promise<Omit<Side, 'connectSeconds'>> {
  const latencies: number[] = [];
  const why: string[] = [];
  let failed = 0;
  let wholeCount = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let k = 1; k <= CALLS; k++) {
        const sent = performance.now();
        const r = await call(client, promptOf(i + 1, k)).catch((err: unknown) => ({
          failed: err instanceof Error ? err.message : String(err),
        }));
        latencies.push(performance.now() - sent);
        if ('failed' in r && r.failed !== undefined) {
          failed++;
          if (why.length < 3) why.push(`agent ${i + 1} call ${k}: ${r.failed}`);
        } else if ('text' in r && whole(r.text ?? '', answerOf(i + 1, k))) wholeCount++;
      }
    }),
  );
  const burstSeconds = (performance.now() - t0) / 1000;
  return {
    failed,
    whole: wholeCount,
    burstSeconds,
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    why,
  };
}

/** `connect(i)` for every agent: the first alone, the rest BATCH at a time. */
async function connectAll(connect: (i: number) => Promise<Client>, into: Client[]): Promise<number> {
  const t0 = performance.now();
  into.push(await connect(0));
  for (let i = 1; i < AGENTS; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, AGENTS - i) }, (_, k) => connect(i + k));
    // every launch of a batch kept, connected or not, so a failed one's siblings are closed too
    const done = await Promise.allSettled(batch);
    for (const d of done) if (d.status === 'fulfilled') into.push(d.value);
    const lost = done.find((d) => d.status === 'rejected');
    if (lost) throw (lost as PromiseRejectedResult).reason;
  }
  return (performance.now() - t0) / 1000;
}

const startFake = async () => {
  const fake = await FakeOllama.start({ numParallel: 4, tokenDelayMs: 3, loadDelayMs: 0, memoryBytes: 16e9 });
  fake.reply(reply);
  return fake;
};

/** ollm-mcp: fifty launches through one shared server. */
async function runOurs(): Promise<Side> {
  const fake = await startFake();
  const runtime = runtimeDir();
  const home = tempHome('ollama:\n  numParallel: 4\nshared:\n  idleSeconds: 30\n');
  const launches: Array<{ client: Client; close: () => Promise<void> }> = [];
  const clients: Client[] = [];
  try {
    const connectSeconds = await connectAll(async (i) => {
      const name = `agent-${String(i + 1).padStart(2, '0')}`;
      const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
      launches.push(l);
      return l.client;
    }, clients);
    await ours(clients[0]!, 'warm up'); // the model loaded before the burst
    return { ...(await burst(clients, ours, (text, expected) => text === expected)), connectSeconds };
  } finally {
    await Promise.all(launches.map((l) => l.close()));
    stopShared(runtime);
    await fake.stop();
  }
}

/** The peer: fifty processes of its own. */
async function runPeer(file: string): Promise<Side> {
  const fake = await startFake();
  const clients: Client[] = [];
  try {
    const connectSeconds = await connectAll(async (i) => {
      const home = tempHome();
      const client = new Client({ name: `agent-${String(i + 1).padStart(2, '0')}`, version: '1' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [file],
          env: { PATH: process.env.PATH ?? '', HOME: home, OLLAMA_HOST: fake.host },
          cwd: home,
          stderr: 'ignore',
        }),
      );
      return client;
    }, clients);
    await peers(clients[0]!, 'warm up');
    return { ...(await burst(clients, peers, (text, expected) => text.includes(expected))), connectSeconds };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await fake.stop();
  }
}

const ms = (x: number) => `${Math.round(x)} ms`;

function line(tag: string, s: Side): string {
  return (
    `fifty: ${tag}: ${s.failed} of ${AGENTS * CALLS} failed, ${s.whole} answers whole; burst ${s.burstSeconds.toFixed(1)} s, ` +
    `p50 ${ms(s.p50)}, p90 ${ms(s.p90)} (connected in ${s.connectSeconds.toFixed(1)} s)` +
    (s.why.length ? `; e.g. ${s.why.join(' | ')}` : '')
  );
}

export async function benchFifty(): Promise<{ ok: boolean; lines: string[] }> {
  const mine = await runOurs();
  const ok = mine.failed === 0 && mine.whole === AGENTS * CALLS;
  const peerFile = process.env.OLLM_BENCH_PEER;
  const peer = peerFile ? await runPeer(peerFile) : undefined;
  return {
    ok,
    lines: [
      `fifty: ${AGENTS} stdio clients × ${CALLS} quick calls at once, one fake Ollama (${MODEL}, 4 slots, 3 ms a token); ` +
        `goal: 0 failed, all ${AGENTS * CALLS} answers whole (the burst and p90 printed, not judged: wall times on a shared machine)`,
      `${line('ollm-mcp, one shared server', mine)} ${ok ? 'OK' : 'MISSED'}`,
      peer
        ? `${line('peer ollama-mcp, fifty processes', peer)}; ours/peer: burst ${(mine.burstSeconds / peer.burstSeconds).toFixed(2)}×, p90 ${(mine.p90 / peer.p90).toFixed(2)}×`
        : 'fifty: the peer skipped: set OLLM_BENCH_PEER to the entry file of `ollama-mcp` (e.g. /tmp/peer/node_modules/ollama-mcp/dist/index.js)',
    ],
  };
}
