// Through a team's box with no engine of the laptop's own (issue 81, finding 3): two laptops, two agents each, whose
// ollama.host is an address where nothing listens and whose other host is the box (`kind: ollm`), the box's models of
// 4,096-token windows. Every call, named or routed, with no answer limit of its own, is answered on the box — the
// laptop sends the box only what the caller asked, not its default limit as if it were the call's need (which the box
// held the window to: "refused … too small for ~6 prompt + 4096 answer tokens", the local engine's "not reachable"
// leading the error). A laptop whose own engine answers is still answered there first; a caller's maxTokens that
// cannot fit is refused in the window's words; with the box stopped too, the error says neither answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { runtimeDir, sharedLaunch, stopShared, type SharedLaunch } from '../helpers/shared.js';
import { closedAddress } from '../helpers/closed-address.js';

const TOKENS = { a: 'laptop-a-window-0123456789abcdef', b: 'laptop-b-window-fedcba9876543210' };
const BOX_CONFIG =
  'http:\n  tokens:\n    laptop-a: { tokenEnv: OLLM_TOKEN_A }\n    laptop-b: { tokenEnv: OLLM_TOKEN_B }\n';
const laptopConfig = (local: string, url: string) =>
  `ollama:\n  host: ${local}\nhosts:\n  - name: gpubox\n    kind: ollm\n    url: ${url}\n    tokenEnv: GPUBOX_TOKEN\n`;
/** phi3:mini with a 4,096-token window, and llava:7b (4,096 too): the box's only models. */
const SMALL = DEFAULT_MODELS.filter((m) => m.name === 'phi3:mini' || m.name === 'llava:7b').map((m) => ({
  ...m,
  contextLength: 4096,
}));

let fake: FakeOllama;
let local: FakeOllama;
let box: HttpServer;
const runtimes: string[] = [];
const launches: SharedLaunch[] = [];

beforeAll(async () => {
  [fake, local] = await Promise.all([
    FakeOllama.start({ models: SMALL, memoryBytes: 48e9, tokenDelayMs: 1 }),
    FakeOllama.start({ models: SMALL.filter((m) => m.name === 'phi3:mini'), memoryBytes: 16e9, tokenDelayMs: 1 }),
  ]);
  box = await startHttp({
    OLLM_HOME: tempHome(BOX_CONFIG),
    OLLAMA_HOST: fake.host,
    OLLM_TOKEN_A: TOKENS.a,
    OLLM_TOKEN_B: TOKENS.b,
  });
}, 30_000);

afterAll(async () => {
  await Promise.all(launches.map((l) => l.close()));
  for (const r of runtimes) stopShared(r);
  await box?.stop();
  await Promise.all([fake?.stop(), local?.stop()]);
});

/** A laptop's two agents, one shared server, its own Ollama at `engine` (an address where nothing listens, or not). */
async function laptop(engine: string, token: string): Promise<SharedLaunch[]> {
  const runtime = runtimeDir();
  runtimes.push(runtime);
  const home = tempHome(laptopConfig(engine, box.url));
  const out: SharedLaunch[] = [];
  for (const name of ['claude-code', 'cursor-vscode'])
    out.push(await sharedLaunch({ home, ollamaHost: engine, runtime, cwd: home, name, env: { GPUBOX_TOKEN: token } }));
  launches.push(...out);
  return out;
}

type Routed = { model?: string; host?: string; provider?: string };
const route = async (l: SharedLaunch, args: Record<string, unknown>) => {
  const r = await l.client.callTool({ name: 'route_and_generate', arguments: { useMemory: false, ...args } });
  return {
    isError: r.isError === true,
    text: (r.content as Array<{ text: string }>)[0]!.text,
    out: r.structuredContent as Routed,
  };
};

describe('a laptop with no engine of its own, through the box', () => {
  it(
    'answers named and routed calls on the box, its own engine first when it answers, and errs only when none can',
    { timeout: 60_000 },
    async () => {
      // a laptop whose own engine answers is answered there first (ollama.host before the box), named or routed
      const [cCode] = await laptop(local.host, TOKENS.a);
      for (const args of [{ model: 'phi3:mini' }, {}]) {
        const here = await route(cCode!, { prompt: 'hello there, at home', ...args });
        expect(here.isError, here.text).toBe(false);
        expect(here.out).toMatchObject({ model: 'phi3:mini', host: 'ollama', provider: 'ollama' });
      }

      const [aCode, aCursor] = await laptop(await closedAddress(), TOKENS.a);
      const [bCode, bCursor] = await laptop(await closedAddress(), TOKENS.b);
      const answers = await Promise.all([
        route(aCode!, { prompt: 'hello there', model: 'phi3:mini' }),
        route(aCursor!, { prompt: 'hello there' }),
        route(bCode!, { prompt: 'hello there', model: 'llava:7b' }),
        route(bCursor!, { prompt: 'hello there' }),
      ]);
      for (const a of answers) {
        expect(a.isError, a.text).toBe(false);
        expect(a.out).toMatchObject({ host: 'gpubox', provider: 'ollm' });
      }
      expect(answers.map((a) => a.out.model)).toEqual(['phi3:mini', 'phi3:mini', 'llava:7b', 'phi3:mini']);

      // what truly cannot fit is refused in the window's words (no model here has a wider one), and never sent to
      // the box's engine
      const generated = fake.requests.length;
      const tooBig = await route(aCode!, { prompt: 'hello there, all of it', model: 'phi3:mini', maxTokens: 4096 });
      expect(tooBig.isError).toBe(true);
      expect(tooBig.text).toMatch(
        /plus 4096 for the answer, but the largest context window a model can use here now is 4096/,
      );
      expect(fake.requests.slice(generated).filter((r) => r.path === '/api/generate')).toEqual([]);

      // neither the laptop's engine nor the box answers: now the error, naming both
      await box.stop();
      const none = await route(bCode!, { prompt: 'anyone there?', model: 'phi3:mini' });
      expect(none.isError).toBe(true);
      expect(none.text).toMatch(/Ollama is not reachable at 127\.0\.0\.1:\d+/);
      expect(none.text).toMatch(/gpubox[^;]*not reachable/);
    },
  );
});
