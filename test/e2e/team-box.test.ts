// ollm-mcp as a host of ollm-mcp: a team's GPU box (issue 57, items 1, 2, 3, 5). The box serves
// `ollm-mcp --transport http` with a token per laptop, in front of its engine (a fake Ollama); two laptops,
// each a shared stdio server with its own home and runtime folder, have only the box as a host
// (`kind: ollm`; their own Ollama address is closed). Two agents per laptop route calls to models
// on the box: every call is answered there, the box's engine saw no eviction or unload forced by
// another's plan, and the box's records name each call `<laptop>/<agent>`. A file given on a
// laptop is read there and only its text goes to the box (a recording proxy in front of the box
// sees no `files`). The box stopped, a laptop names it down within seconds and says what to do.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FakeOllama } from '../fake-ollama/server.js';
import { startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { runtimeDir, sharedLaunch, stopShared, type SharedLaunch } from '../helpers/shared.js';
import { closedAddress } from '../helpers/closed-address.js';
import { tempDir } from '../helpers/temp.js';

const TOKEN_A = 'laptop-a-token-0123456789abcdef';
const TOKEN_B = 'laptop-b-token-fedcba9876543210';
const ADMIN = 'admin-token-00112233445566778899';
const BOX_CONFIG = `http:
  tokens:
    laptop-a: { tokenEnv: OLLM_TOKEN_A }
    laptop-b: { tokenEnv: OLLM_TOKEN_B }
    admin: { tokenEnv: OLLM_TOKEN_ADMIN }
`;
const laptopConfig = (closed: string, url: string) => `ollama:
  host: ${closed}
hosts:
  - name: gpubox
    kind: ollm
    url: ${url}
    tokenEnv: GPUBOX_TOKEN
`;
const MARK = 'ZEBRA-PLUM-7731 is the only constant this file defines, in the laptop folder.';

/** A proxy in front of the box that records every JSON-RPC body the laptops send it. */
async function recordingProxy(target: string): Promise<{ url: string; bodies: string[]; close(): void }> {
  const to = new URL(target);
  const bodies: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length) bodies.push(body.toString());
      const out = http.request(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${to.pathname}`,
    bodies,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

let fake: FakeOllama;
let box: HttpServer;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
const runtimes: string[] = [];
const launches: SharedLaunch[] = [];
let project: string;
let laptopHomes: { a: string; b: string };

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 48e9, tokenDelayMs: 1 });
  box = await startHttp({
    OLLM_HOME: tempHome(BOX_CONFIG),
    OLLAMA_HOST: fake.host,
    OLLM_TOKEN_A: TOKEN_A,
    OLLM_TOKEN_B: TOKEN_B,
    OLLM_TOKEN_ADMIN: ADMIN,
  });
  proxy = await recordingProxy(box.url);
  const closed = await closedAddress();
  laptopHomes = { a: tempHome(laptopConfig(closed, proxy.url)), b: tempHome(laptopConfig(closed, proxy.url)) };
  project = tempDir('ollm-laptop-');
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'src', 'constants.ts'), `// ${MARK}\nexport const ZEBRA = 7731;\n`);
  writeFileSync(join(project, 'package.json'), '{"name":"laptop-project"}\n');
}, 30_000);

afterAll(async () => {
  await Promise.all(launches.map((l) => l.close()));
  for (const r of runtimes) stopShared(r);
  proxy?.close();
  await box?.stop();
  await fake?.stop();
});

async function laptop(home: string, token: string, agents: string[]): Promise<SharedLaunch[]> {
  const runtime = runtimeDir();
  runtimes.push(runtime);
  const out: SharedLaunch[] = [];
  // one after the other: the first starts the laptop's shared server, the second joins it
  for (const name of agents)
    out.push(
      await sharedLaunch({
        home,
        ollamaHost: await closedAddress(),
        runtime,
        cwd: project,
        name,
        env: { GPUBOX_TOKEN: token },
      }),
    );
  launches.push(...out);
  return out;
}

type Routed = { model?: string; host?: string; provider?: string; text?: string };
const route = async (c: Client, args: Record<string, unknown>) => {
  const r = await c.callTool({ name: 'route_and_generate', arguments: args });
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return r.structuredContent as Routed;
};

describe("a team's GPU box (kind: ollm)", () => {
  it(
    'answers every agent of two laptops on the box, the box planning its own memory and naming each laptop/agent',
    { timeout: 40_000 },
    async () => {
      const [aCode, aCursor] = await laptop(laptopHomes.a, TOKEN_A, ['claude-code', 'cursor-vscode']);
      const [bCode, bCursor] = await laptop(laptopHomes.b, TOKEN_B, ['claude-code', 'cursor-vscode']);

      // the box's models are the laptop's, with their window and host
      const listed = (await aCode!.client.callTool({ name: 'list_models', arguments: {} })).structuredContent as {
        models: Array<{ name: string; host?: string; contextWindow: number; selfManaged?: boolean }>;
      };
      const llama = listed.models.find((m) => m.name === 'llama3.2:latest');
      expect(llama).toMatchObject({ host: 'gpubox', selfManaged: true });
      expect(llama!.contextWindow).toBeGreaterThan(8192);

      fake.resetStats();
      const calls = [
        route(aCode!.client, {
          prompt: 'Say hello for laptop A, Claude Code.',
          model: 'llama3.2:latest',
          maxTokens: 32,
        }),
        route(aCursor!.client, { prompt: 'Say hello for laptop A, Cursor.', model: 'phi3:mini', maxTokens: 32 }),
        route(bCode!.client, { prompt: 'Say hello for laptop B, Claude Code.', model: 'phi3:mini', maxTokens: 32 }),
        route(bCursor!.client, { prompt: 'Say hello for laptop B, Cursor.', model: 'llama3.2:latest', maxTokens: 32 }),
      ];
      const answers = await Promise.all(calls);
      for (const a of answers)
        expect(a).toMatchObject({ host: 'gpubox', provider: 'ollm', text: expect.stringContaining('quick brown fox') });
      expect(answers.map((a) => a.model)).toEqual(['llama3.2:latest', 'phi3:mini', 'phi3:mini', 'llama3.2:latest']);

      // the box's engine: nothing evicted behind anyone's back, nothing unloaded under a running request
      const stats = fake.stats();
      expect(stats.forcedEvictions).toEqual([]);
      expect(stats.unloads).toBe(0);
      expect(
        fake.requests.filter(
          (r) =>
            r.path === '/api/generate' &&
            String((r.body as { prompt?: string }).prompt).includes('Say hello for laptop'),
        ),
      ).toHaveLength(4);

      // the box's records name each laptop's agent; no laptop asked the box's engine itself
      const admin = new Client({ name: 'admin', version: '1' });
      await admin.connect(
        new StreamableHTTPClientTransport(new URL(box.url), {
          requestInit: { headers: { authorization: `Bearer ${ADMIN}` } },
        }),
      );
      try {
        const metrics = JSON.parse(
          ((await admin.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
        ) as { agents: Array<{ agent: string; offloaded: number }> };
        const offloaded = Object.fromEntries(metrics.agents.map((a) => [a.agent, a.offloaded]));
        expect(offloaded).toMatchObject({
          'laptop-a/claude-code': 1,
          'laptop-a/cursor-vscode': 1,
          'laptop-b/claude-code': 1,
          'laptop-b/cursor-vscode': 1,
        });
        const status = await admin.callTool({ name: 'show_status', arguments: {} });
        expect((status.content as Array<{ text: string }>)[0]!.text).toContain('laptop-a/claude-code');
      } finally {
        await admin.close();
      }
      for (const token of [TOKEN_A, TOKEN_B]) {
        expect(box.stderr()).not.toContain(token);
        for (const l of [aCode!, aCursor!, bCode!, bCursor!]) expect(l.stderr()).not.toContain(token);
      }

      // the model a laptop names fails on the box: the box answers with no other model (the laptop chose it),
      // and the laptop's result names the model that answered
      fake.injectGenerationFailure({ model: 'phi3:mini', error: 'model runner has unexpectedly stopped' });
      const gens = fake.requests.length;
      const moved = await aCode!.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'Say hello once phi3 failed.', model: 'phi3:mini', maxTokens: 16 },
      });
      const generatedWith = fake.requests
        .slice(gens)
        .filter(
          (r) =>
            r.path === '/api/generate' && String((r.body as { prompt?: string }).prompt).includes('once phi3 failed'),
        )
        .map((r) => (r.body as { model: string }).model);
      expect(generatedWith[0]).toBe('phi3:mini');
      // the laptop tried its next model itself, and says which answered
      if (!moved.isError) expect((moved.structuredContent as Routed).model).toBe(generatedWith.at(-1));
      expect(box.stderr()).not.toMatch(/phi3:mini failed .*trying the next model/);

      // a file given on a laptop: read there, only its text goes to the box
      const before = proxy.bodies.length;
      const answered = await route(aCode!.client, {
        prompt: 'What constant does this file define?',
        files: ['src/constants.ts'],
        model: 'llama3.2:latest',
        maxTokens: 32,
      });
      expect(answered).toMatchObject({ host: 'gpubox', provider: 'ollm' });
      const sent = proxy.bodies
        .slice(before)
        .filter((b) => b.includes('"tools/call"') && b.includes('route_and_generate'));
      expect(sent.length).toBeGreaterThan(0);
      for (const body of sent) {
        const args = (
          JSON.parse(body) as { params: { arguments: Record<string, unknown>; _meta?: Record<string, unknown> } }
        ).params;
        expect(Object.keys(args.arguments)).not.toContain('files');
        expect(args.arguments.prompt).toContain('ZEBRA-PLUM-7731');
        expect(args._meta?.['io.ollm-mcp/agent']).toBe('claude-code');
      }
      expect(proxy.bodies.join('\n')).not.toContain('src/constants.ts"]');
      const generated = fake.requests.filter(
        (r) => r.path === '/api/generate' && String((r.body as { prompt?: string }).prompt).includes('ZEBRA-PLUM-7731'),
      );
      expect(generated.length).toBeGreaterThan(0);

      // the box stopped: named down within seconds, with what to do
      proxy.close();
      await box.stop();
      // named within 15 s: the call's own request timeout (a later answer fails the call)
      const down = await aCursor!.client.callTool(
        { name: 'route_and_generate', arguments: { prompt: 'Anyone there?', model: 'llama3.2:latest', maxTokens: 16 } },
        { timeout: 15_000 },
      );
      expect(down.isError).toBe(true);
      const text = (down.content as Array<{ text: string }>)[0]!.text;
      expect(text).toMatch(/gpubox/);
      expect(text).toMatch(/not reachable/);
      expect(text).toMatch(/ollm-mcp --transport http/);
      const status = await aCursor!.client.callTool({ name: 'show_status', arguments: {} });
      expect(JSON.stringify(status.structuredContent)).toMatch(/gpubox/);
      expect(JSON.stringify(status.structuredContent)).not.toContain(TOKEN_A);
    },
  );
});
