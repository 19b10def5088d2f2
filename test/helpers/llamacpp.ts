/**
 * For the llama.cpp tests: the stories model (test/fixtures/models), the real llama-server built by
 * `npm run engine` (scripts/engine.mjs; absent until built), and starting it — in router mode
 * over a folder of model copies, or serving one model — on a free port, with `-t 1`. Every server
 * started here is killed by stopEngines() (each test file calls it after its tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.js';
import { parentOf, processesWhere } from './processes.js';
// @ts-expect-error a plain .mjs script, without types
import { engineBinary } from '../../scripts/engine.mjs';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from './spawn.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A real 263K-parameter GGUF model (TinyStories), kept in the repository; see test/fixtures/models/README.md. */
export const STORIES =
  process.env.OLLM_STORIES_GGUF ?? join(ROOT, 'test', 'fixtures', 'models', 'stories260k-chat.gguf');
export const ENGINE: string = (engineBinary as (root?: string) => string)(ROOT);
/** Whether the real-engine tests can run here: the binary is built and the model is there. */
export const HAVE_ENGINE = existsSync(ENGINE) && existsSync(STORIES);

const started = new Set<ChildProcess>();

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A folder with copies of the stories model named `<name>.gguf`. */
export function modelsDir(names: readonly string[]): string {
  const dir = tempDir('ollm-gguf-');
  for (const n of names) copyFileSync(STORIES, join(dir, `${n}.gguf`));
  return dir;
}

export interface Engine {
  url: string;
  port: number;
  proc: ChildProcess;
  log: () => string;
  kill(): Promise<void>;
}

/**
 * A request to a llama-server on a connection of its own (`connection: close`). The router closes
 * a connection after each answer it relays from a model though it asked keep-alive (contract
 * test), so a pooled connection can be closed just as the next request goes out ("other side
 * closed", seen in CI); ollm-mcp's adapters send such a request again, a test's own request must
 * not meet it at all.
 */
export function toEngine(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), connection: 'close' },
  });
}

async function waitHealthy(url: string, proc: ChildProcess, log: () => string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`llama-server exited (${proc.exitCode}): ${log().slice(-2000)}`);
    try {
      const res = await toEngine(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`llama-server did not become healthy within ${ms} ms: ${log().slice(-2000)}`);
}

/**
 * Starts the real llama-server: a router over `dir` or over the models of a `preset` INI file
 * (--models-max `max`; a preset's own ctx-size stands: the command line's would win over it), or
 * one model (`model`).
 */
export async function startEngine(
  opts:
    | { dir: string; modelsMax: number; ctx?: number }
    | { preset: string; modelsMax: number }
    | { model: string; alias: string; ctx?: number },
  extra: string[] = [],
): Promise<Engine> {
  const port = await freePort();
  const common = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '-t',
    '1',
    ...('preset' in opts ? [] : ['-c', String(opts.ctx ?? 512)]),
    '-np',
    '1',
    '--no-webui',
  ];
  const router = (flag: string, value: string, max: number) => [...common, flag, value, '--models-max', String(max)];
  const args =
    'dir' in opts
      ? router('--models-dir', opts.dir, opts.modelsMax)
      : 'preset' in opts
        ? router('--models-preset', opts.preset, opts.modelsMax)
        : [...common, '-m', opts.model, '--alias', opts.alias];
  const proc = spawn(ENGINE, [...args, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(proc);
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-50_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const engine: Engine = {
    url,
    port,
    proc,
    log: () => out,
    kill: () => kill(proc),
  };
  try {
    await waitHealthy(url, proc, engine.log);
  } catch (err) {
    await kill(proc);
    throw err;
  }
  return engine;
}

/** The processes a process started (a router's model servers), read from /proc. */
export function childrenOf(pid: number): number[] {
  return processesWhere((p) => parentOf(p) === pid);
}

/** Kills the server and the model servers it started (SIGKILL leaves a router's children behind otherwise). */
async function kill(proc: ChildProcess): Promise<void> {
  started.delete(proc);
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const children = proc.pid ? childrenOf(proc.pid) : [];
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGKILL');
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await gone;
}

/** Kills every llama-server started by this file (a router's model servers die with it). */
export async function stopEngines(): Promise<void> {
  await Promise.all([...started].map(kill));
}

/**
 * The built server with a llama.cpp router as its one more host (named llama) and `roots` readable: a session
 * and the fake Ollama it also names (with no models).
 */
export async function routerSession(
  routerUrl: string,
  roots: string,
): Promise<{ session: Awaited<ReturnType<typeof connect>>; ollama: FakeOllama }> {
  const ollama = await FakeOllama.start({ models: [] });
  const home = tempHome(
    ['hosts:', `  - {name: llama, kind: llamacpp, url: "${routerUrl}"}`, 'inputs:', `  roots: ["${roots}"]`, ''].join(
      '\n',
    ),
  );
  return { session: await connect({ OLLM_HOME: home, OLLAMA_HOST: ollama.host }), ollama };
}

/** Each model's status as a llama-server router lists it (GET /models: `status.value`, e.g. loaded, unloaded). */
export async function routerStatuses(url: string): Promise<Record<string, string>> {
  const body = (await (await toEngine(`${url}/models`)).json()) as {
    data: Array<{ id: string; status: { value: string } }>;
  };
  return Object.fromEntries(body.data.map((m) => [m.id, m.status.value]));
}
