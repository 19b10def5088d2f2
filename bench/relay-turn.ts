/**
 * A planner's own load while request loops keep the models it must unload busy (issue 80, finding 3),
 * as its client sees it: one fake Ollama on a 20 GB host with phi3:mini, mistral:7b and llama3.1:8b
 * loaded (they fit, 3.9 GB left), a client looping route_and_generate on the three (two loops each), and
 * the planner's client asking qwen2.5:14b (11.6 GB: two of them must go). The same loops
 *  - inside the planner's server (another launch of the same settings: one shared server), and
 *  - from a server of other settings relaying through the planner's engine claim, under the holds it lends.
 * Printed side by side: how long the load's call took, and the loops' calls meanwhile. Each load waits its
 * turn (15 s, room-waits.ts) and then holds the loops' new requests back; the goal: relayed ≤ 1.2× in-server
 * (before, the relayed loops were never held back: not answered while they ran). A call not answered within
 * CAP_MS misses it.
 */
import { FakeOllama } from '../test/fake-ollama/server.js';
import { BIG, LOOPED, TURN_MODELS } from '../test/helpers/turn-models.js';
import { runtimeDir, sharedLaunch, stopShared, type SharedLaunch } from '../test/helpers/shared.js';
import { tempHome } from '../test/helpers/spawn.js';

const MODELS = TURN_MODELS;
const YAML = 'shared:\n  idleSeconds: 30\nram:\n  budget: 20GB\n  bufferBytes: 0\n';
/** Other settings: a server of its own, relaying through the planner's claim. */
const OTHER = `${YAML}model:\n  routing:\n    defaultProfile: fast\n`;
/** The longest the load's call is waited for (ms): the relayed loops, once never held back, kept it past this. */
const CAP_MS = 40_000;

interface Figures {
  /** How long the load's call took (ms), or undefined when not answered within CAP_MS. */
  ms: number | undefined;
  calls: number;
  failed: number;
}

const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms));
const generate = (l: SharedLaunch, model: string, prompt: string) =>
  l.client
    .callTool(
      { name: 'route_and_generate', arguments: { prompt, model, maxTokens: 4, useMemory: false } },
      { timeout: 120_000 },
    )
    .then((r) => r.isError !== true)
    .catch(() => false);

async function once(relayed: boolean): Promise<Figures> {
  const fake = await FakeOllama.start({ models: MODELS, memoryBytes: 20e9, tokenDelayMs: 10, loadDelayMs: 50 });
  fake.reply('a b c d e f g h');
  const runtime = runtimeDir();
  const launches: SharedLaunch[] = [];
  const launch = async (name: string, home: string) => {
    const l = await sharedLaunch({ home, ollamaHost: fake.host, runtime, cwd: home, name });
    launches.push(l);
    return l;
  };
  const stop = { now: false };
  const figures = { calls: 0, failed: 0 };
  const loops: Array<Promise<void>> = [];
  try {
    const home = tempHome(YAML);
    const planner = await launch('planner', home);
    await planner.client.callTool({ name: 'list_models', arguments: {} }); // its core made, and so its claim
    const looper = await launch('looper', relayed ? tempHome(OTHER) : home);
    for (const m of LOOPED) await generate(looper, m, `load ${m}`); // loaded (through the planner when relayed)
    for (const m of LOOPED)
      for (let i = 0; i < 2; i++)
        loops.push(
          (async () => {
            for (let k = 0; !stop.now; k++) {
              const ok = await generate(looper, m, `loop ${i} on ${m}, call ${k}`);
              figures.calls++;
              if (!ok) figures.failed++;
            }
          })(),
        );
    await sleep(1000); // the loops under way (under holds, when relayed)
    const t0 = performance.now();
    const answered = await Promise.race([generate(planner, BIG, 'Say hi.').then(() => true), sleep(CAP_MS)]);
    return { ms: answered ? performance.now() - t0 : undefined, ...figures };
  } finally {
    stop.now = true;
    await Promise.race([Promise.all(loops), sleep(10_000)]);
    await Promise.all(launches.map((l) => l.close()));
    stopShared(runtime);
    await fake.stop();
  }
}

const secs = (f: Figures) =>
  f.ms === undefined ? `not answered within ${CAP_MS / 1000} s` : `${(f.ms / 1000).toFixed(1)} s`;

export async function benchRelayTurn(): Promise<{ ok: boolean; lines: string[] }> {
  const inServer = await once(false);
  const relayed = await once(true);
  const ratio = inServer.ms && relayed.ms ? relayed.ms / inServer.ms : Infinity;
  const ok = ratio <= 1.2;
  const row = (label: string, f: Figures) =>
    `relay-turn:   ${label.padEnd(50)} ${secs(f).padStart(8)}  ` +
    `(the loops' calls meanwhile: ${f.calls}, ${f.failed} failed)`;
  return {
    ok,
    lines: [
      `relay-turn: the planner's load of ${BIG}, needing the room of ${LOOPED.join(', ')}, while a client ` +
        'loops on them (2 loops each):',
      row("the loops inside the planner's server", inServer),
      row('the loops of a server relaying through its claim', relayed),
      `relay-turn: relayed ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—'} in-server (goal ≤ 1.2×) ` +
        (ok ? 'OK' : 'MISSED'),
    ],
  };
}
