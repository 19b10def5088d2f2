/**
 * Dropped 2025-era calls over Streamable HTTP (issue 55, finding 9): 40 clients (protocol
 * 2025-06-18, raw fetch as their transports speak it) each start a long route_and_generate (80 s
 * of tokens if not stopped) and drop the connection as soon as the answer's headers come; then a
 * fresh client asks for a 5-token answer (a failed one sent again) once 16 of the dropped calls
 * reached the engine (as many connections as its client keeps) or one of them was stopped. Prints
 * how long the fresh call took, and how long after the drops the engine ran none of the dropped
 * work (each request of it that reached the engine aborted). Goals: both within 5 s.
 */
import { FakeOllama } from '../test/fake-ollama/server.js';
import { startHttp, tempHome } from '../test/helpers/spawn.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

const CLIENTS = 40;
const GOAL_S = 5;
const VERSION = '2025-06-18';
const words = (n: number) => oneTokenWords(n, 'w');
const args = (prompt: string) => ({ name: 'route_and_generate', arguments: { prompt, task: 'general' } });

/** A POST of a 2025-era client, with its session when it has one. */
function post(url: string, body: unknown, session?: string, signal?: AbortSignal): Promise<Response> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': VERSION,
    ...(session && { 'mcp-session-id': session }),
  };
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), ...(signal && { signal }) });
}

async function initialize(url: string): Promise<string | undefined> {
  const res = await post(url, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'bench-drop', version: '1' } },
  });
  await res.text();
  return res.headers.get('mcp-session-id') ?? undefined;
}

/** A whole call: the text of its answer (the last SSE event's, or the JSON body's). */
async function call(url: string, session: string | undefined, id: number, prompt: string): Promise<string> {
  const text = await (
    await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: args(prompt) }, session)
  ).text();
  const data = text.includes('data: ') ? text.split('data: ').at(-1)!.split('\n')[0]! : text;
  const m = JSON.parse(data) as { result?: { structuredContent?: { text?: string } }; error?: { message: string } };
  return m.result?.structuredContent?.text ?? JSON.stringify(m);
}

/** A call dropped as soon as its answer's headers come (the client went away). */
async function callThenDrop(url: string, session: string | undefined, id: number, prompt: string): Promise<void> {
  const ac = new AbortController();
  const res = await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: args(prompt) }, session, ac.signal);
  if (res.status !== 200) throw new Error(`a dropped call was answered ${res.status}: ${await res.text()}`);
  ac.abort();
}

async function until(what: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !what(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > end) throw new Error('timed out');
}

export async function benchHttpDrop(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
  fake.reply(({ prompt }) => (prompt?.includes('endless') ? words(2000) : words(5)));
  const server = await startHttp({
    OLLM_HOME: tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n'),
    OLLAMA_HOST: fake.host,
    OLLM_LOG_LEVEL: 'warn',
  });
  try {
    await call(server.url, await initialize(server.url), 2, 'warm up'); // the core and the model loaded
    const sessions = await Promise.all(Array.from({ length: CLIENTS }, () => initialize(server.url)));
    await Promise.all(sessions.map((s, i) => callThenDrop(server.url, s, 10 + i, `an endless story ${i}`)));
    const dropAt = performance.now();
    const dropped = () => fake.generations().filter((g) => g.prompt?.includes('endless'));
    await until(() => dropped().length >= 16 || dropped().some((g) => g.aborted), 60_000);
    const fresh = await initialize(server.url);
    const t0 = performance.now();
    let failed = 0; // a fresh call answered with an error is sent again, as its client would
    for (let answer = ''; answer !== words(5); failed++) {
      if (failed > 10) throw new Error(`the fresh call was answered: ${answer}`);
      answer = await call(server.url, fresh, 2 + failed, 'a short one');
    }
    const seconds = (performance.now() - t0) / 1000;
    const runningAtAnswer = dropped().filter((g) => !g.aborted).length;
    // stopped: the engine runs nothing, and every dropped request that reached it was aborted
    const idle = () => fake.loaded().every((m) => m.inFlight === 0) && dropped().every((g) => g.aborted);
    await until(idle, 120_000);
    const stopped = (performance.now() - dropAt) / 1000;
    const ok = seconds <= GOAL_S && failed === 1 && stopped <= GOAL_S;
    return {
      ok,
      lines: [
        `http-drop: after ${CLIENTS} 2025-era clients drop their calls, a fresh 5-token call is ` +
          `answered in ${seconds.toFixed(2)} s (goal ≤ ${GOAL_S} s; ${failed - 1} failed attempts ` +
          `before; ${runningAtAnswer} dropped calls still running at the engine then)`,
        `http-drop: the dropped work all stopped ${stopped.toFixed(2)} s after the drops (goal ≤ ` +
          `${GOAL_S} s): ${dropped().length} of the ${CLIENTS} reached the engine, each aborted`,
      ],
    };
  } finally {
    await server.stop();
    await fake.stop();
  }
}
