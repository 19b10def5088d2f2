/**
 * Work longer than the client waits (issues 56 and 62), as a client sees it: the built server
 * (dist/cli.js) spawned over stdio and the official SDK client, on one fake Ollama made a slow CPU
 * host (prompt read at 1 ms a token, answers written at 10 ms a token; models with 8k windows,
 * so a 300 KB log, ~128k tokens, is read in 26 parts and their answers combined: ~2.3 min in all).
 * Three agents ask for a summary of the same log at once, each on a model of its own (so none
 * waits behind another's requests):
 *
 * 1. `bench-agent`, the SDK's default 60 s limit, asks route_and_generate with the log by path
 *    (`files: ["app.log"]`) and then does what each answer's text says — on a hand-over, the call
 *    it names (`show_status {job}`; before issue 62, the same call again) — until it has the
 *    whole answer. Counted: every character of result text it read, its calls, when the whole
 *    answer arrived, how often the engine was asked for each part. Goals: read ≤ 2 × the whole
 *    answer + 4,000 characters, each part asked once, every call answered within 60 s.
 * 2. `claude-code`, waiting as Claude Code does (progress listened to, its limit reset on each,
 *    30 min): its first call handed over before 110 s (Claude Code backgrounds a call at 120 s),
 *    no gap over 10 s between progress notifications while a call is in the foreground, and the
 *    whole answer reached through the job's handle.
 * 3. The npm peer `ollama-mcp` (ollama_generate), when OLLM_BENCH_PEER names its entry file (see
 *    bench/peer.ts), on a 128k-window model: it reads no files, so its agent pastes the log into
 *    the prompt and asks for a window to hold it (num_ctx, which ollama-mcp 2.1.0 drops: its
 *    options keep temperature, top_p, top_k, num_predict, repeat_penalty, seed and stop). Printed:
 *    what it wrote and read back, how the call ended (at its SDK's 60 s limit, or answered), and
 *    how much of the prompt the engine kept (Ollama cuts a prompt to the model's window).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { DEFAULT_MODELS, FakeOllama, type ReplyContext } from '../test/fake-ollama/server.js';
import { longLog } from '../test/helpers/fair.js';
import { CLI } from '../test/helpers/spawn.js';
import { stopShared } from '../test/helpers/shared.js';
import { tempDir } from '../test/helpers/temp.js';
import { callsLine, progressWatch, walk, type Walk } from './long-call-agent.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

const LOG_BYTES = 300_000;
const SPEED = { promptTokenDelayMs: 1, tokenDelayMs: 10 };
const TASK = 'Summarise this log: which jobs failed, on which workers, and how often.';
/** A model each, so none waits behind another's requests: ours with 8k windows (the log split), the peer's with its whole 128k. */
const MODELS = { agent: 'llama3.2:latest', claude: 'phi3:mini', peer: 'llama3.2:3b' };
/** Settings of each ollm-mcp home: the fake's 64 GB told to the planner. */
const YAML = 'ollama:\n  capacity:\n    ram: 64GB\nram:\n  budget: 56GB\n  bufferBytes: 0\n';
const words = oneTokenWords;

/** A part's answer, the combined answer, and the peer's (whole-prompt) answer. */
function reply(ctx: ReplyContext): string {
  const prompt = ctx.prompt ?? '';
  if (/Combine them into one answer/.test(prompt)) return `Summary: ${words(100, 'failure')}`;
  const part = /Part (\d+) of \d+ of the input/.exec(prompt)?.[1];
  return part ? `Part ${part}: ${words(20, 'error')}` : `Summary: ${words(100, 'failure')}`;
}

function env(home: string, host: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    OLLM_HOME: home,
    OLLM_TEST_RUNTIME_DIR: home,
    OLLAMA_HOST: host,
    OLLM_LOG_LEVEL: 'error',
  };
}

/** A home of its own (settings, state, the shared server's socket) and a project folder `work` holding app.log. */
function place(prefix: string, log: string): { home: string; cwd: string } {
  const home = tempDir(prefix);
  writeFileSync(join(home, 'config.yaml'), YAML);
  const cwd = join(home, 'work');
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'app.log'), log);
  return { home, cwd };
}

async function connect(
  file: string,
  name: string,
  host: string,
  where: { home: string; cwd: string },
): Promise<Client> {
  const client = new Client({ name, version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [file],
      env: env(where.home, host),
      stderr: 'ignore',
      cwd: where.cwd,
    }),
  );
  return client;
}

/** How often the engine was asked for each part of `model`'s split job, and for combining. */
function engineAsked(fake: FakeOllama, model: string) {
  const perPart = new Map<number, number>();
  let combining = 0;
  for (const g of fake.generations().filter((x) => x.resolved === model)) {
    const part = /Part (\d+) of \d+ of the input/.exec(g.prompt ?? '')?.[1];
    if (part) perPart.set(Number(part), (perPart.get(Number(part)) ?? 0) + 1);
    else if (/Combine them into one answer/.test(g.prompt ?? '')) combining++;
  }
  const most = Math.max(0, ...perPart.values());
  return { parts: perPart.size, most, combining, once: perPart.size > 0 && most === 1 };
}

const ok = (b: boolean) => (b ? 'OK' : 'MISSED');
const n = (x: number) => x.toLocaleString('en');
const s = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(1)} s`);

export async function benchLongCall(): Promise<{ ok: boolean; lines: string[] }> {
  const { digest: _same, ...llama } = DEFAULT_MODELS.find((m) => m.name === MODELS.agent)!; // a digest of its own: a runner of its own
  const models = [
    ...DEFAULT_MODELS.map((m) =>
      m.name === MODELS.agent || m.name === MODELS.claude ? { ...m, contextLength: 8192 } : m,
    ),
    { ...llama, name: MODELS.peer },
  ];
  const fake = await FakeOllama.start({ memoryBytes: 64e9, models, loadDelayMs: 0, ...SPEED });
  fake.reply(reply);
  const log = longLog(LOG_BYTES);
  const places = {
    agent: place('ollm-bench-long-', log),
    claude: place('ollm-bench-long-cc-', log),
    peer: place('ollm-bench-long-peer-', log),
  };
  const peerFile = process.env.OLLM_BENCH_PEER;
  const clients: Client[] = [];
  try {
    const agent = await connect(CLI, 'bench-agent', fake.host, places.agent);
    clients.push(agent);
    const claude = await connect(CLI, 'claude-code', fake.host, places.claude);
    clients.push(claude);
    const peer = peerFile ? await connect(peerFile, 'bench-agent', fake.host, places.peer) : undefined;
    if (peer) clients.push(peer);
    const ask = (model: string) => ({
      name: 'route_and_generate',
      arguments: { prompt: TASK, files: ['app.log'], model },
    });
    const pasted = `${TASK}\n\n${log}`;
    const watch = progressWatch();
    const [a, c, p] = await Promise.all([
      walk(agent, ask(MODELS.agent)),
      walk(claude, ask(MODELS.claude), watch),
      peer
        ? walk(
            peer,
            {
              name: 'ollama_generate',
              arguments: {
                model: MODELS.peer,
                prompt: pasted,
                options: JSON.stringify({ num_ctx: 131072, num_predict: 400 }),
              },
            },
            {},
            1,
          )
        : Promise.resolve(undefined),
    ]);
    return figures({ a, c, p, fake, written: pasted.length, progress: watch.figures() });
  } finally {
    await Promise.all(clients.map((cl) => cl.close().catch(() => undefined)));
    stopShared(places.agent.home);
    stopShared(places.claude.home);
    await fake.stop();
  }
}

function figures(o: {
  a: Walk;
  c: Walk;
  p: Walk | undefined;
  fake: FakeOllama;
  written: number;
  progress: { largestGapSeconds: number; notifications: number };
}): { ok: boolean; lines: string[] } {
  const { a, c, p } = o;
  const answer = a.whole?.length ?? 0;
  const budget = 2 * answer + 4000;
  const longest = Math.max(...a.calls.map((x) => x.tookSeconds));
  const allAnswered = a.calls.every((x) => x.tookSeconds < 60 && !x.got.startsWith('no answer'));
  const askedA = engineAsked(o.fake, MODELS.agent);
  const askedC = engineAsked(o.fake, MODELS.claude);
  const agentOk = a.whole !== undefined && a.read <= budget && askedA.once && allAnswered;
  const first = c.calls[0];
  const handed = first !== undefined && first.got.startsWith('handed over') && first.tookSeconds < 110;
  const gapOk = o.progress.notifications > 0 && o.progress.largestGapSeconds <= 10;
  const throughHandle = c.whole !== undefined && c.calls.length > 1 && c.calls.at(-1)!.name === 'show_status';
  const claudeOk = handed && gapOk && throughHandle && askedC.once;
  const peerRead = p ? p.read : 0;
  const peerGen = o.fake.generations().find((g) => g.resolved === MODELS.peer);
  const kept = peerGen ? (peerGen.promptTokens - peerGen.droppedTokens) / peerGen.promptTokens : 1;
  const peerSeen = peerGen
    ? `; the engine was sent ${n(peerGen.promptTokens)} tokens and ` +
      `${peerGen.truncated ? `kept ${n(peerGen.promptTokens - peerGen.droppedTokens)} (${(kept * 100).toFixed(1)}%): its window was ${n(peerGen.numCtx)}, num_ctx not passed on` : 'read them all'}`
    : '';
  const peerEnd = p?.calls[0];
  const lines = [
    `long-call: a ${n(LOG_BYTES / 1000)} KB log summarised on a slow CPU host (fake Ollama: ` +
      `prompt ${SPEED.promptTokenDelayMs} ms a token, ${SPEED.tokenDelayMs} ms a token written; ` +
      `8k windows: ${askedA.parts} parts, ${askedA.combining} combining requests), three agents at once`,
    `long-call: SDK 60 s client (bench-agent, log by path): ${a.calls.length} calls — ` +
      `${callsLine(a)}${a.stopped ? `; stopped: ${a.stopped}` : ''}`,
    `long-call:   read ${n(a.read)} chars of result text for a whole answer of ${n(answer)} ` +
      `(goal ≤ 2 × ${n(answer)} + 4,000 = ${n(budget)}) ` +
      `${ok(a.whole !== undefined && a.read <= budget)}; whole answer at ${s(a.wholeAtSeconds)}`,
    `long-call:   engine asked per part: ${askedA.parts} parts, at most ${askedA.most}× each (+ ` +
      `${askedA.combining} combining) ${ok(askedA.once)}; every call answered within 60 s ` +
      `(longest ${s(longest)}) ${ok(allAnswered)}`,
    `long-call: claude-code (waits, reset on progress): ${c.calls.length} calls — ` +
      `${callsLine(c)}${c.stopped ? `; stopped: ${c.stopped}` : ''}`,
    `long-call:   first call handed over ` +
      `${first?.got.startsWith('handed over') ? `after ${s(first.tookSeconds)}` : 'never'} (goal ` +
      `< 110 s) ${ok(handed)}; largest gap between progress notifications in the foreground ` +
      `${s(o.progress.largestGapSeconds)} over ${n(o.progress.notifications)} notifications (goal ` +
      `≤ 10 s) ${ok(gapOk)}; whole answer through the handle: ` +
      `${throughHandle ? `yes, at ${s(c.wholeAtSeconds)}` : 'no'} ${ok(throughHandle)}; read ` +
      `${n(c.read)} chars; engine asked at most ${askedC.most}× a part ${ok(askedC.once)}`,
    p
      ? `long-call: ollama-mcp (ollama_generate, the log pasted into the prompt): wrote ` +
        `${n(o.written)} chars, read back ${n(peerRead)}; ` +
        `${peerEnd?.got.startsWith('no answer') ? `timed out at ${s(peerEnd.tookSeconds)} (its client's 60 s limit): no answer` : `${peerEnd?.got === 'the whole answer' ? 'answered' : (peerEnd?.got ?? 'no call')} after ${s(peerEnd?.tookSeconds)}`}${peerSeen}`
      : 'long-call: ollama-mcp skipped — set OLLM_BENCH_PEER to the entry file of `ollama-mcp` (npm ' +
        'install --prefix /tmp/peer ollama-mcp@2.1.0)',
    `long-call: side by side — written by the agent / read back / calls / whole answer at: ` +
      `bench-agent ${n(TASK.length)} / ${n(a.read)} / ${a.calls.length} / ${s(a.wholeAtSeconds)}; ` +
      `claude-code ${n(TASK.length)} / ${n(c.read)} / ${c.calls.length} / ` +
      `${s(c.wholeAtSeconds)}${p ? `; ollama-mcp ${n(o.written)} / ${n(peerRead)} / ${p.calls.length} / ${s(p.wholeAtSeconds)}${p.whole && kept < 1 ? ` (from ${(kept * 100).toFixed(1)}% of the log)` : ''}` : ''}`,
  ];
  return { ok: agentOk && claudeOk, lines };
}
