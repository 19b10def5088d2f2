/**
 * No secret reaches the assistant, a log or a resource (issue 41, item 3). Every engine kind — the
 * primary Ollama, a llama.cpp router, an OpenAI-compatible engine and the cloud fallback — sits
 * behind a server (or proxy) that refuses with 401 and quotes the Authorization header and the key
 * it was sent (test/fake-keyecho). The keys come from the environment, as settings name them. No
 * key (verbatim, URL-encoded or base64) appears in any tool result, resource, MCP log message,
 * the server's stderr or `doctor`'s report — and the failures are still said, with their status.
 * And an HTTP token that is only spaces is refused at start, like a short one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKeyEcho } from '../fake-keyecho/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { connect, E2E_TRANSPORT, run, startHttp, tempHome } from '../helpers/spawn.js';

const KEYS = {
  OLLAMA_API_KEY: 'ollama-k3y+A/9zQ=0123456789abcdef', // read by the ollama client for the primary host
  LLAMA_KEY: 'llama-Zx81qPv0RmT4hN2bC6yW',
  LAB_KEY: 'sk-lab-4fG7hJ2kL9mN3pQ6rS8t',
  CLOUD_KEY: 'cloudsecretvalueonlyletters', // nothing shaped like a key: only its value tells it
};
/**
 * A gateway's own credential in front of the primary Ollama (which is sent no key): no setting names it, only
 * its shape tells it.
 */
const GATEWAY_KEY = 'gwKey0123456789abcdefXYZ';
const FORMS = [
  ...Object.values(KEYS).flatMap((k) => [k, encodeURIComponent(k), Buffer.from(k).toString('base64')]),
  GATEWAY_KEY,
];

/** The forms of a key found in `text`. */
const leaks = (text: string) => FORMS.filter((f) => text.includes(f));

let proxies: FakeKeyEcho[];
let engine: FakeOpenAI;
let home: string;
let session: Awaited<ReturnType<typeof connect>>;
const logged: string[] = [];
const env = () => ({ OLLM_HOME: home, OLLAMA_HOST: proxies[0]!.host, ...KEYS });

beforeAll(async () => {
  // the OpenAI-compatible engine lists its model through its proxy, which refuses only the chat: the model is
  // tried and fails
  engine = await FakeOpenAI.start({ models: ['lab-model'] });
  const chatOnly = (method: string, path: string) => method === 'POST' && path.endsWith('/chat/completions');
  proxies = await Promise.all([
    FakeKeyEcho.start({ ownKey: GATEWAY_KEY, status: 403 }),
    FakeKeyEcho.start(),
    FakeKeyEcho.start({ upstream: engine.url, refuse: chatOnly, status: 502 }),
    FakeKeyEcho.start(),
  ]);
  const [, llama, lab, cloud] = proxies;
  home = tempHome(
    [
      'hosts:',
      `  - {name: llama, kind: llamacpp, url: "${llama!.url}", tokenEnv: LLAMA_KEY}`,
      `  - {name: lab, kind: openai, url: "${lab!.url}/v1", tokenEnv: LAB_KEY, model: lab-model}`,
      'fallback:',
      `  baseURL: "${cloud!.url}/v1"`,
      '  model: cloud-model',
      '  apiKeyEnv: CLOUD_KEY',
      '',
    ].join('\n'),
  );
  session = await connect(env());
  session.client.setNotificationHandler('notifications/message', (n) => void logged.push(JSON.stringify(n.params)));
  if (E2E_TRANSPORT === 'stdio') await session.client.setLoggingLevel('debug');
}, 30_000);
afterAll(async () => {
  await session?.close();
  await Promise.all([...(proxies ?? []).map((p) => p.stop()), engine?.stop()]);
});

async function call(name: string, args: Record<string, unknown>): Promise<string> {
  const res = await session.client.callTool({ name, arguments: args });
  return JSON.stringify(res);
}

describe('a key an engine or a proxy quotes back', () => {
  it('each engine with a key was sent it (and quoted it back)', async () => {
    await call('list_models', { refresh: true });
    expect(proxies[1]!.seen).toContain(`Bearer ${KEYS.LLAMA_KEY}`);
  });

  it('appears in no tool result, yet each failure is said', { timeout: 60_000 }, async () => {
    const results = {
      list_models: await call('list_models', { refresh: true }),
      show_status: await call('show_status', {}),
      smart_load_llama: await call('smart_load', { model: 'storiesA', host: 'llama' }),
      smart_load_ollama: await call('smart_load', { model: 'llama3.2' }),
      show_model: await call('show_model', { model: 'storiesA', host: 'llama' }),
      unload_model: await call('unload_model', { model: 'storiesA', host: 'llama' }),
      pull_model: await call('pull_model', { model: 'llama3.2' }),
      delete_model: await call('delete_model', { model: 'llama3.2' }),
      compare: await call('compare', { prompt: 'Say hi.', models: ['llama3.2', 'lab-model'], maxTokens: 8 }),
      route_and_generate: await call('route_and_generate', { prompt: 'Explain DNS in one line.', maxTokens: 8 }),
    };
    const found = Object.fromEntries(Object.entries(results).map(([tool, text]) => [tool, leaks(text)]));
    expect(found).toEqual(Object.fromEntries(Object.keys(results).map((tool) => [tool, []])));
    // the failures are still there to read: each host's refusal, with its status
    expect(results.list_models).toMatch(/401/);
    // the gateway's words, without its key
    expect(results.list_models).toMatch(/Ollama at 127\.0\.0\.1:\d+ rejected .*HTTP 403|upstream refused/);
    expect(results.smart_load_llama).toMatch(/llama-server at 127\.0\.0\.1:\d+ refused .*HTTP 401/);
    expect(results.route_and_generate).toMatch(/"isError":true/);
    expect(results.route_and_generate).toMatch(/fallback/);
    expect(proxies[2]!.seen).toContain(`Bearer ${KEYS.LAB_KEY}`); // the engine's model was tried, with its key
    // and its proxy's words said, without the key
    expect(results.route_and_generate).toMatch(/lab \(127\.0\.0\.1:\d+\) failed \(HTTP 502\)/);
    expect(proxies[3]!.seen).toContain(`Bearer ${KEYS.CLOUD_KEY}`); // the fallback was asked, with its key
    expect(results.show_status).toMatch(/llama/);
  });

  it('appears in no resource', async () => {
    const uris = ['ollm://fleet', 'ollm://metrics', 'ollm://config', 'ollm://models/loaded', 'ollm://system/ram'];
    const found: Record<string, string[]> = {};
    for (const uri of uris) found[uri] = leaks(JSON.stringify(await session.client.readResource({ uri })));
    expect(found).toEqual(Object.fromEntries(uris.map((uri) => [uri, []])));
    expect(JSON.stringify(await session.client.readResource({ uri: 'ollm://fleet' }))).toMatch(/401/);
  });

  it("appears in no MCP log message and not in the server's stderr", async () => {
    expect(leaks(logged.join('\n'))).toEqual([]);
    if (E2E_TRANSPORT === 'stdio') expect(logged.join('\n')).toMatch(/failed/); // the fallback's warning was sent
    expect(leaks(session.stderr())).toEqual([]);
  });

  it('appears nowhere in doctor', { timeout: 30_000 }, async () => {
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const r = await run(args, env());
      expect(leaks(r.stdout + r.stderr)).toEqual([]);
      expect(r.stdout).toMatch(/401/);
    }
  });
});

describe('a key an engine repeats in its answer', () => {
  // no failure, no HostError: only the last line at the MCP boundary stands between the key and the assistant
  it('is not in the result, and the rest of the answer is', { timeout: 30_000 }, async () => {
    const key = 'echoedkeyonlyletters';
    const echo = await FakeOpenAI.start({
      models: ['echo-model'],
      apiKey: key,
      reply: `Your request carried ${key}; here is the answer.`,
    });
    const repeated = await connect({
      OLLM_HOME: tempHome(`hosts:\n  - {name: echo, kind: openai, url: "${echo.url}", tokenEnv: ECHO_KEY}\n`),
      OLLAMA_HOST: '127.0.0.1:9',
      ECHO_KEY: key,
    });
    try {
      const res = await repeated.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'Repeat my request.', model: 'echo-model', maxTokens: 64 },
      });
      const text = JSON.stringify(res);
      expect(res.isError, text).toBeFalsy();
      expect(text).not.toContain(key);
      expect(text).toContain('Your request carried [redacted]; here is the answer.');
    } finally {
      await repeated.close();
      await echo.stop();
    }
  });
});

describe('an HTTP token of spaces only', () => {
  it.each([
    ['OLLM_HTTP_TOKEN of 3 spaces', [], { OLLM_HTTP_TOKEN: '   ' }],
    ['OLLM_HTTP_TOKEN of 20 spaces', [], { OLLM_HTTP_TOKEN: ' '.repeat(20) }],
    ['--token of 20 spaces', ['--token', ' '.repeat(20)], {}],
  ] as const)('is refused at start: %s', async (_name, args, tokenEnv) => {
    // a server that starts anyway is stopped, and the test fails on what it said
    const started = await startHttp({ OLLM_HOME: tempHome(), OLLAMA_HOST: '127.0.0.1:9', ...tokenEnv }, [...args]).then(
      async (server) => `listening at ${server.url}; exit ${(await server.stop()).code}`,
      (err: Error) => err.message,
    );
    expect(started).toMatch(
      /^the server exited \(1\) before listening: ollm-mcp: Refusing to start: (OLLM_HTTP_TOKEN|--token) is empty \(only spaces\); a bearer token needs at least 16 characters/,
    );
  });

  it('a token with spaces around it is served, trimmed, and a request without it is refused', async () => {
    const server = await startHttp({
      OLLM_HOME: tempHome(),
      OLLAMA_HOST: '127.0.0.1:9',
      OLLM_HTTP_TOKEN: '  s3cret-token-0123456  ',
    });
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      expect((await fetch(server.url, { method: 'POST', headers, body })).status).toBe(401);
      expect(
        (
          await fetch(server.url, {
            method: 'POST',
            headers: { ...headers, authorization: 'Bearer s3cret-token-0123456' },
            body,
          })
        ).status,
      ).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
