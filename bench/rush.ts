/**
 * The rush (`npm run bench -- rush`; issue 82, finding 1 and Deliver 4), as clients see it: the built server
 * over stdio, three MCP clients named `claude-ai`, `cursor-vscode` and `claude-code` (one each, their launches
 * sharing the machine's shared server), each an agent doing ten jobs one after the other — six quick questions,
 * three questions over its own log (100, 200 or 300 KB, read by the server by path: `files`), one comparison
 * (`compare`) — each sent a 0.5–2.5 s pause after the last was answered, all drawn from a seed
 * (bench/rush-scenario.ts; OLLM_BENCH_RUSH_SEED, 82). An agent follows a hand-over as an agent does
 * (`show_status {job}`, bench/long-call-agent.ts): the job counts as answered when its result is read.
 * Each client cuts a call at 60 s, progress or not (Claude Desktop, Cursor, and Claude Code's desktop app, told
 * `agents.claude-code.timeoutSeconds: 60`); a call cut is a failed call, asked again.
 *
 * The engines: fake Ollama hosts, each with llama3.1:8b and qwen2.5-coder:7b (8k windows, the models' own; Ollama's
 * default context on a 16 GB host without a GPU, 4096, where no request sets one), 16 GB, two slots a
 * model (OLLAMA_NUM_PARALLEL 2), writing a token in 15 ms, reading 1,000 prompt tokens in 0.2 s, loading 0.5 s a
 * GB. Run twice, one after the other in one bench: on `ollama.host` alone, then with a second host as a `hosts:`
 * entry (`capacity: {ram: 16GB}`, `numParallel: 2`). Printed: each run's wall time and their ratio (goal ≤
 * 0.55×), the file questions' p90 (from a question sent to its answer read) against the clients' 60 s (goal:
 * within, with two hosts), per host the loads, the reloads of a model already loaded (a request asking for other
 * load options, num_ctx above all: Ollama's needsReload) — each with the request it was for and whether it was from
 * under another agent using the model (its request running there, or answered within the minute before; goal 0) or
 * of an idle copy only its asker had used (the server reloads such a copy wider when splitting to its window would
 * take longer, and says so: route/window-cost.ts) — and the forced evictions (goal 0), the hand-overs,
 * the answers whole (every part of a log asked and combined, nothing cut; goal all 30), the work computed twice
 * (the same model on the same prompt again, on any host; goal 0) and the failed calls (goal 0). In the check
 * (`npm run bench -- check`) only what holds today is judged — answers whole, no failed call, no reload from under
 * another agent, no forced eviction — while issue 82 is open; the time, the p90 and the work done twice are
 * printed, and judged by name.
 *
 * Time is scaled: OLLM_BENCH_RUSH_SCALE (0.2 by default, 1 the issue's own times) multiplies every time in the
 * scenario — a token 3 ms, 0.04 s per 1,000 prompt tokens, 0.1 s a GB loaded, pauses 0.1–0.5 s, the clients' 60 s
 * 12 s — so both runs take ~2.5 min on two busy cores (~12 min at scale 1); the times are printed as measured and
 * at the issue's scale (÷ the scale). OLLM_BENCH_RUNS=n runs each mode n times, interleaved, the time judged by the
 * medians and the other goals in every run: one run's ratio moves with the order calls arrive in (1.31×, 0.96× and
 * 1.21× in three runs of the build of 4afcf11, where parts, copies and num_ctx changed with it).
 *
 * OLLM_BENCH_RUSH_DUMP=<folder> writes each run's jobs (sent, calls, whole answer) and the engines' requests (job,
 * part or combination, host, model, window, start and end) as JSON lines, for looking into where a run's time went,
 * and the shared server's log at debug; OLLM_BENCH_RUSH_TEXT=1 keeps every whole answer in them too.
 * OLLM_BENCH_RUSH_ALONE=1 then runs each agent alone on both hosts and prints the slowest over one host's rush: the
 * bound under the ratio that no order of the same requests beats (aloneLines).
 *
 * One time of the server does not scale: it answers a call a tenth of the client's limit before it, but 5 s at the
 * least (src/orchestrator/generation/hand-over.ts) — 7 s into a 12 s limit, where a 60 s limit gets 54 s. So each
 * agent's `timeoutSeconds` in the settings is the limit that has the server answer by 90% of the scaled one (15 s:
 * answered by 10 s, the client cutting at 12 s), and at scale 1 what the issue sets (claude-code told 60 s; the
 * others' 60 s known by their names).
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { DEFAULT_MODELS, FakeOllama, NAMESPACED_MODELS } from '../test/fake-ollama/server.js';
import { longLog } from '../test/helpers/fair.js';
import { CLI, serverEnv, tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, stopShared } from '../test/helpers/shared.js';
import { walk, type Walk } from './long-call-agent.js';
import { LOG_NAME, MODELS, requestOf, rushReply, rushScenario, type Agent, type RushJob } from './rush-scenario.js';
import { rushLines, type HostFigures, type ReloadFigure, type Run, type Timing } from './rush-figures.js';

/** The issue's times, at scale 1. */
const ISSUE = { tokenMs: 15, promptMsPerToken: 0.2, loadMsPerGB: 500, patienceSeconds: 60 };

function timing(): Timing {
  const asked = Number(process.env.OLLM_BENCH_RUSH_SCALE ?? 0.2);
  const scale = asked > 0 && asked <= 1 ? asked : 0.2;
  const patienceSeconds = Math.max(1, Math.round(ISSUE.patienceSeconds * scale));
  // the server answers at limit - max(5 s, limit / 10): at 90% of the patience from a 50 s limit on, else by it
  const settingSeconds = patienceSeconds >= 50 ? patienceSeconds : Math.floor(0.9 * patienceSeconds + 5);
  return {
    scale,
    tokenDelayMs: ISSUE.tokenMs * scale,
    promptTokenDelayMs: ISSUE.promptMsPerToken * scale,
    loadMsPerGB: ISSUE.loadMsPerGB * scale,
    patienceSeconds,
    settingSeconds,
  };
}

/** A host: both models with 8k windows, 16 GB, two slots a model. */
function startHost(t: Timing): Promise<FakeOllama> {
  const models = [...DEFAULT_MODELS, ...NAMESPACED_MODELS]
    .filter((m) => MODELS.includes(m.name))
    .map((m) => ({ ...m, contextLength: 8192 }));
  return FakeOllama.start({
    models,
    memoryBytes: 16e9,
    numParallel: 2,
    tokenDelayMs: t.tokenDelayMs,
    promptTokenDelayMs: t.promptTokenDelayMs,
    loadDelayMs: 0,
    loadMsPerGB: t.loadMsPerGB,
  });
}

function settings(hosts: FakeOllama[], t: Timing): string {
  const [first, second] = hosts;
  // at the issue's scale, as the issue set it: claude-code told 60 s, the others known by their names
  const told = t.scale === 1 ? ['claude-code'] : ['claude-ai', 'cursor-vscode', 'claude-code'];
  return [
    'ollama:',
    `  host: "${first!.url}"`,
    '  capacity: {ram: 16GB}',
    '  numParallel: 2',
    ...(second
      ? ['hosts:', `  - {name: second, kind: ollama, url: "${second.url}", capacity: {ram: 16GB}, numParallel: 2}`]
      : []),
    'agents:',
    ...told.map((name) => `  ${name}: {timeoutSeconds: ${t.settingSeconds}}`),
    'shared:',
    '  idleSeconds: 30',
    '',
  ].join('\n');
}

/** A client named `name` in its own folder (holding its log), through the shared server of `runtime`. */
async function connect(agent: Agent, home: string, runtime: string): Promise<Client> {
  const cwd = join(home, agent.name);
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, LOG_NAME), longLog(agent.fileBytes));
  const client = new Client({ name: agent.name, version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: serverEnv({
        HOME: home,
        OLLM_HOME: home,
        OLLM_TEST_RUNTIME_DIR: runtime,
        OLLM_LOG_LEVEL: process.env.OLLM_BENCH_RUSH_DUMP ? 'debug' : 'error',
        OLLM_SHARED: '1',
      }),
      cwd,
      stderr: process.env.OLLM_BENCH_STDERR ? 'inherit' : 'ignore',
    }),
  );
  return client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When each job of the run under way was sent (ms), by tag: for OLLM_BENCH_RUSH_DUMP. */
const sentAt = new Map<string, number>();

/** One agent's ten jobs, each sent its pause after the last was answered (or given up on). */
async function agentJobs(client: Client, agent: Agent, t: Timing): Promise<Array<{ job: RushJob; walk: Walk }>> {
  const done: Array<{ job: RushJob; walk: Walk }> = [];
  for (const job of agent.jobs) {
    await sleep(job.pauseMs);
    sentAt.set(job.tag, Date.now());
    done.push({ job, walk: await walk(client, job.call, { options: { timeout: t.patienceSeconds * 1000 } }) });
  }
  return done;
}

/**
 * With OLLM_BENCH_RUSH_DUMP set (a folder), each run's jobs and the engines' requests as JSON lines, for looking
 * into where a run's time went: per job its calls; per request its job, part, host, model, window, times.
 */
function dump(two: boolean, t0: number, jobs: Array<{ job: RushJob; walk: Walk }>, hosts: FakeOllama[]): void {
  const dir = process.env.OLLM_BENCH_RUSH_DUMP;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const rel = (ms: number) => Math.round(ms - t0) / 1000;
  const requests = hosts.flatMap((h, i) =>
    h
      .generations()
      .filter((g) => g.at >= t0)
      .map((g) => ({
        ...requestOf(g.prompt ?? JSON.stringify(g.messages ?? '')),
        host: i,
        model: g.resolved,
        numCtx: g.numCtx,
        promptTokens: g.promptTokens,
        at: rel(g.at),
        ...(g.endedAt !== undefined && { ended: rel(g.endedAt) }),
      })),
  );
  const lines = [
    ...jobs.map(({ job, walk }) =>
      JSON.stringify({
        job: job.tag,
        kind: job.kind,
        sent: rel(sentAt.get(job.tag) ?? t0),
        calls: walk.calls.map(({ got, ...c }) => ({ ...c, got: got.slice(0, 120) })),
        ...(process.env.OLLM_BENCH_RUSH_TEXT && { whole: walk.whole }),
        wholeAt: walk.wholeAtSeconds,
      }),
    ),
    ...requests.map((r) => JSON.stringify(r)),
  ];
  writeFileSync(join(dir, `${two ? 'two' : 'one'}-${Date.now()}.jsonl`), `${lines.join('\n')}\n`);
}

/** How long a model counts as in use by an agent after it served it (the server's SHARED_RECENT_MS). */
const IN_USE_MS = 60_000;

/**
 * A reload as the engine's records tell it: the request it was for — the first request of the model from the reload
 * on whose window differs from the one before it: " 4096→8192 at 12.3 s for a3-j5 part 4 of 26" — and whether it
 * was from under another agent: one whose request ran on the model there then, or was answered within IN_USE_MS
 * before (an untagged request is another's too), and who asked for none at the new window as it came. The server
 * reloads an idle copy only its asker used, when splitting to its window would take longer (route/window-cost.ts),
 * and says so in the result's reason; from under another, never (issue 82).
 */
function reloadOf(h: FakeOllama, r: { model: string; changed: string[]; at: number }, t0: number): ReloadFigure {
  const gens = h.generations().filter((g) => g.resolved === r.model);
  const i = gens.findIndex((g, k) => k > 0 && g.at >= r.at - 50 && g.numCtx !== gens[k - 1]!.numCtx);
  const head = `${r.model} (${r.changed.join(', ')})`;
  if (i < 0) return { line: head, fromUnder: true }; // no request to name: counted as from under another
  const asked = (k: number) => requestOf(gens[k]!.prompt ?? JSON.stringify(gens[k]!.messages ?? ''));
  const agentOf = (tag: string | undefined) => tag?.split('-')[0];
  const q = asked(i);
  // who asked for the new window as it came: every agent with a request needing more than the old one, begun before
  // the first at the new one ended (the reload a plan chose serves each plan made meanwhile, whichever request
  // reaches the engine first); a request that would have fitted the old window only took what it found
  const [was, until] = [gens[i - 1]!.numCtx, gens[i]!.endedAt ?? Infinity];
  const riders = new Set(
    gens.flatMap((g, k) => (k >= i && g.at <= until && g.promptTokens > was ? [agentOf(asked(k).tag)] : [])),
  );
  const other = gens
    .slice(0, i)
    .map((g, k) => ({ g, tag: asked(k).tag }))
    .find(({ g, tag }) => !riders.has(agentOf(tag)) && (g.endedAt ?? Infinity) >= r.at - IN_USE_MS);
  const secs = (ms: number) => `${((ms - t0) / 1000).toFixed(1)} s`;
  const what = q.combine ? ' combining' : q.part !== undefined ? ` part ${q.part} of ${q.parts}` : '';
  const under = other
    ? ` — from under ${other.tag ?? 'an untagged request'}, answered at ${secs(other.g.endedAt ?? r.at)}`
    : ' — not from under another: whoever used it asked for the new window';
  return {
    line: `${head} ${gens[i - 1]!.numCtx}→${gens[i]!.numCtx} at ${secs(gens[i]!.at)} for ${q.tag ?? 'an untagged request'}${what}${under}`,
    fromUnder: other !== undefined,
  };
}

/** With OLLM_BENCH_RUSH_DUMP set, the shared server's log (at debug) beside the run's records. */
function keepLogs(runtime: string, two: boolean): void {
  const dir = process.env.OLLM_BENCH_RUSH_DUMP;
  if (!dir) return;
  for (const f of readdirSync(runtime, { recursive: true, encoding: 'utf8' }))
    if (f.endsWith('.log')) copyFileSync(join(runtime, f), join(dir, `${two ? 'two' : 'one'}-${Date.now()}.log`));
}

/** The scenario on one host or two (fresh engines, settings and shared server for each). */
async function runMode(two: boolean, agents: Agent[], words: Map<string, number>, t: Timing): Promise<Run> {
  const hosts = await Promise.all((two ? [0, 1] : [0]).map(() => startHost(t)));
  for (const h of hosts) h.reply(rushReply(words));
  const runtime = runtimeDir();
  mkdirSync(runtime, { recursive: true });
  const home = tempHome(settings(hosts, t));
  const clients: Client[] = [];
  try {
    for (const a of agents) clients.push(await connect(a, home, runtime)); // one after the other: one shared server
    await Promise.all(clients.map((c) => c.listTools()));
    for (const h of hosts) h.resetStats();
    const t0 = Date.now();
    const jobs = (await Promise.all(agents.map((a, i) => agentJobs(clients[i]!, a, t)))).flat();
    const seconds = (Date.now() - t0) / 1000;
    const figures: HostFigures[] = hosts.map((h, i) => {
      const s = h.stats();
      return {
        name: i === 0 ? 'ollama' : 'second',
        loads: Object.fromEntries(MODELS.map((m) => [m, h.loadCount(m)])),
        firstAnswerAt: Object.fromEntries(
          MODELS.flatMap((m) => {
            const g = h.generations().find((x) => x.resolved === m && x.at >= t0);
            return g ? [[m, (g.at - t0) / 1000]] : [];
          }),
        ),
        reloads: s.reloads.map((r) => reloadOf(h, r, t0)),
        evictions: s.forcedEvictions.map((e) => `${e.evicted} for ${e.for} (${e.reason})`),
        requests: h.generations().filter((g) => g.at >= t0).length,
      };
    });
    const generations = hosts.flatMap((h) => h.generations());
    dump(two, t0, jobs, hosts);
    return { seconds, jobs, hosts: figures, generations };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    keepLogs(runtime, two);
    stopShared(runtime);
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

export async function benchRush(): Promise<{ ok: boolean; lines: string[] }> {
  const t = timing();
  const seed = Number(process.env.OLLM_BENCH_RUSH_SEED ?? 82);
  const { agents, words } = rushScenario(seed, t.scale);
  // OLLM_BENCH_RUNS runs of each mode (1 by default), interleaved: a slow moment of the machine falls on both
  const n = Math.max(1, Number(process.env.OLLM_BENCH_RUNS) || 1);
  const ones: Run[] = [];
  const twos: Run[] = [];
  for (let i = 0; i < n; i++) {
    ones.push(await runMode(false, agents, words, t));
    twos.push(await runMode(true, agents, words, t));
  }
  const out = rushLines({ ones, twos, agents, seed, timing: t });
  if (process.env.OLLM_BENCH_RUSH_ALONE === '1') out.lines.push(...(await aloneLines(agents, words, t, ones)));
  return out;
}

/**
 * Each agent's ten jobs with no other agent about, on both hosts: no scheduler can finish the rush on two hosts
 * sooner than its slowest agent does alone there, so that time over one host's rush bounds the ratio from below.
 */
async function aloneLines(agents: Agent[], words: Map<string, number>, t: Timing, ones: Run[]): Promise<string[]> {
  const alone: number[] = [];
  for (const a of agents) alone.push((await runMode(true, [a], words, t)).seconds);
  const one = [...ones].sort((a, b) => a.seconds - b.seconds)[Math.floor(ones.length / 2)]!.seconds;
  const slowest = Math.max(...alone);
  return [
    `rush: each agent alone on two hosts ${agents.map((a, i) => `${a.name} ${alone[i]!.toFixed(1)} s`).join(', ')}: ` +
      `the rush on two hosts takes at least ${slowest.toFixed(1)} s, ${(slowest / one).toFixed(2)}× one host's`,
  ];
}
