/**
 * Work longer than the client waits (issue 56), as a client sees it: the official SDK client at its
 * default 60 s request limit asks for an answer a fake Ollama takes ~75 s to write (a token a
 * second), from ollm-mcp (route_and_generate) and from the npm peer `ollama-mcp` (ollama_generate),
 * side by side in one run on one fake engine. Each client does what an agent does on a timeout:
 * asks again, once. Printed: when each call was answered and how (the hand-over and its job, the
 * whole answer, or the SDK's -32001 timeout), whether the client ever got the whole answer, and how
 * many times the engine was asked for it. Each side has a model of its own (both loaded at once on
 * the fake), so neither waits behind the other's requests. Goal: ollm-mcp answers every call before the client's
 * limit, the whole answer reaches the client, and the engine is asked once. Runs ollm-mcp alone
 * when OLLM_BENCH_PEER does not name the peer's entry file (see bench/peer.ts).
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { CLI } from '../test/helpers/spawn.js';
import { tempDir } from '../test/helpers/temp.js';
import { stopShared } from '../test/helpers/shared.js';

const WORDS = 75;
const story = (who: string) => `Tell a long story about a ${who}.`;

interface Ask {
  /** From the first ask; and this ask's own wait. */
  atSeconds: number;
  tookSeconds: number;
  how: string;
  whole: boolean;
}

async function connectTo(file: string, host: string, home: string): Promise<Client> {
  const env = { PATH: process.env.PATH ?? '', HOME: home, OLLM_HOME: home, XDG_RUNTIME_DIR: home, OLLAMA_HOST: host, OLLM_LOG_LEVEL: 'error' };
  const client = new Client({ name: 'bench-agent', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [file], env, stderr: 'ignore', cwd: home }));
  return client;
}

/** Two asks of the same call, as an agent makes them: the second after the first's answer or timeout. */
async function twice(call: () => Promise<{ structuredContent?: unknown; content?: unknown; isError?: boolean }>, isWhole: (r: { structuredContent?: unknown; content?: unknown }) => boolean): Promise<Ask[]> {
  const t0 = performance.now();
  const asks: Ask[] = [];
  for (let i = 0; i < 2; i++) {
    const asked = performance.now();
    const took = () => (performance.now() - asked) / 1000;
    try {
      const r = await call();
      const job = (r.structuredContent as { job?: { id: string } } | undefined)?.job;
      asks.push({ atSeconds: (performance.now() - t0) / 1000, tookSeconds: took(), how: job ? `handed over as ${job.id}` : r.isError ? 'an error' : 'the whole answer', whole: !job && !r.isError && isWhole(r) });
    } catch (err) {
      asks.push({ atSeconds: (performance.now() - t0) / 1000, tookSeconds: took(), how: (err as Error).message.slice(0, 60), whole: false });
    }
    if (asks.at(-1)!.whole) break;
  }
  return asks;
}

const textOf = (r: { content?: unknown }) => ((r.content as Array<{ text?: string }> | undefined) ?? []).map((c) => c.text ?? '').join('');
const line = (asks: Ask[]) => asks.map((a) => `${a.how} at ${a.atSeconds.toFixed(1)} s (after ${a.tookSeconds.toFixed(1)} s)`).join('; then ');

export async function benchLongCall(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 1000 });
  fake.reply(Array.from({ length: WORDS }, (_, i) => `word${i}`).join(' '));
  const asked = (who: string) => fake.generations().filter((g) => (g.prompt ?? '').includes(who)).length;
  const homes = { ours: tempDir('ollm-bench-long-'), peer: tempDir('ollm-bench-long-peer-') };
  const peerFile = process.env.OLLM_BENCH_PEER;
  const ours = await connectTo(CLI, fake.host, homes.ours);
  const peer = peerFile ? await connectTo(peerFile, fake.host, homes.peer) : undefined;
  try {
    const last = `word${WORDS - 1}`;
    const [o, p] = await Promise.all([
      twice(() => ours.callTool({ name: 'route_and_generate', arguments: { prompt: story('lighthouse keeper'), model: 'llama3.2', maxTokens: WORDS } }), (r) => textOf(r).includes(last)),
      peer ? twice(() => peer.callTool({ name: 'ollama_generate', arguments: { model: 'phi3:mini', prompt: story('ferryman'), options: JSON.stringify({ num_predict: WORDS }) } }), (r) => textOf(r).includes(last)) : Promise.resolve(undefined),
    ]);
    const oursOk = o.every((a) => a.tookSeconds < 60) && o.some((a) => a.whole) && asked('lighthouse keeper') === 1;
    return {
      ok: oursOk,
      lines: [
        `long-call: an answer the engine writes in ~${WORDS} s, asked by the MCP SDK's client at its default 60 s limit, asked again once after the first answer`,
        `long-call: ollm-mcp: ${line(o)}; the whole answer ${o.some((a) => a.whole) ? 'reached' : 'never reached'} the client; engine asked ${asked('lighthouse keeper')}× ${oursOk ? 'OK' : 'MISSED'}`,
        p ? `long-call: ollama-mcp: ${line(p)}; the whole answer ${p.some((a) => a.whole) ? 'reached' : 'never reached'} the client; engine asked ${asked('ferryman')}×` : 'long-call: ollama-mcp skipped — set OLLM_BENCH_PEER to the entry file of `ollama-mcp`',
      ],
    };
  } finally {
    await ours.close().catch(() => undefined);
    await peer?.close().catch(() => undefined);
    stopShared(homes.ours);
    await fake.stop();
  }
}
