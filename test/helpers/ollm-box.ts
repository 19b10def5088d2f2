/**
 * Another ollm-mcp to point a `kind: ollm` adapter at: the built server (dist/cli.js) over
 * Streamable HTTP with one token (http.tokens), in front of a fake Ollama. One box per test file,
 * started on first use (sharedBox) and stopped with its fake by stopBox, in the file's afterAll.
 */
import { afterAll, beforeAll } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { startHttp, tempHome, type HttpServer } from './spawn.js';

/** The token the box gives its caller ("laptop"), as its http.tokens reads it from OLLM_BOX_TOKEN. */
export const BOX_TOKEN = 'contract-laptop-token-0123456789';
const BOX_CONFIG = 'http:\n  tokens:\n    laptop: { tokenEnv: OLLM_BOX_TOKEN }\n';

export interface Box {
  /** Where it listens, e.g. http://127.0.0.1:PORT (its MCP endpoint is `${origin}/mcp`). */
  origin: string;
  server: HttpServer;
  fake: FakeOllama;
}

let box: Promise<Box> | undefined;

async function start(reply: string): Promise<Box> {
  const fake = await FakeOllama.start({ models: DEFAULT_MODELS, memoryBytes: 48e9 });
  fake.reply(reply);
  try {
    const server = await startHttp({
      OLLM_HOME: tempHome(BOX_CONFIG),
      OLLAMA_HOST: fake.host,
      OLLM_BOX_TOKEN: BOX_TOKEN,
    });
    return { origin: new URL(server.url).origin, server, fake };
  } catch (err) {
    await fake.stop();
    throw err;
  }
}

/** The file's box, started by the first caller (its fake answering `reply`). */
export function sharedBox(reply: string): Promise<Box> {
  box ??= start(reply);
  return box;
}

/** Stops the box and its fake, if one was started. */
export async function stopBox(): Promise<void> {
  const started = box;
  box = undefined;
  const b = await started?.catch(() => undefined);
  if (!b) return;
  await b.server.stop();
  await b.fake.stop();
}

/**
 * For a file of tests of calls sent through an engine's planner: the shared box as that planner
 * (answering `reply`) and this server's own engine, a fake Ollama with phi3:mini alone — so an answer
 * says where it came from — made before the file's tests (`ready` gets both) and stopped after.
 */
export function planningBox(ready: (box: Box, own: FakeOllama) => void, reply = 'from the planning server'): void {
  let own: FakeOllama | undefined;
  beforeAll(async () => {
    const box = await sharedBox(reply);
    own = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => m.name === 'phi3:mini') });
    ready(box, own);
  }, 30_000);
  afterAll(async () => {
    await own?.stop();
    await stopBox();
  });
}
