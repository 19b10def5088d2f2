// Each agent known over HTTP too (issue 43, item 3): `http.tokens` gives each agent a bearer token
// of its own. The built server, started with two named tokens and the unnamed one, serves three
// clients, each with its token: a named token decides the agent — for the records (ollm://metrics,
// show_status) and for `agents:` settings — whatever the client calls itself; the unnamed token's
// client names itself as before. No token value is printed, and a token unset or shared by two
// agents stops start-up with a line naming the entries, not the value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FakeOllama } from '../fake-ollama/server.js';
import { run, startHttp, tempHome } from '../helpers/spawn.js';

const DESK_TOKEN = 'desk-token-0123456789abcdef';
const CI_TOKEN = 'ci-token-fedcba9876543210';
const PLAIN_TOKEN = 'plain-token-00112233445566';
const SYSTEM = 'You answer for the CI bot only.';
const CONFIG = `http:
  tokens:
    claude-desktop: { tokenEnv: OLLM_TOKEN_DESK }
    ci-bot: { tokenEnv: OLLM_TOKEN_CI }
agents:
  ci-bot:
    model:
      routing:
        overrides: { general: llama3.2 }
    options: { temperature: 0.15 }
    toolsets: [offload, models, status]
    system: "${SYSTEM}"
`;
const TOKENS = { OLLM_TOKEN_DESK: DESK_TOKEN, OLLM_TOKEN_CI: CI_TOKEN, OLLM_HTTP_TOKEN: PLAIN_TOKEN };

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

type Generate = { system?: string; prompt: string; options?: { temperature?: number } };
const sentFor = (prompt: string) =>
  fake.requests
    .filter((r) => r.path === '/api/generate' && (r.body as Generate).prompt === prompt)
    .map((r) => r.body as Generate);
const auth = (token: string) => ({ requestInit: { headers: { authorization: `Bearer ${token}` } } });
type AgentRow = { agent: string; requests: number; offloaded: number };

describe('agents named by their HTTP token', () => {
  it(
    'a named token is its agent for the records and agents: settings, whatever the client calls itself',
    { timeout: 40_000 },
    async () => {
      const server = await startHttp({ OLLM_HOME: tempHome(CONFIG), OLLAMA_HOST: fake.host, ...TOKENS });
      // each claims another's name: the token decides
      const desk = new Client({ name: 'ci-bot', version: '1' });
      const ci = new Client({ name: 'claude-desktop', version: '1' });
      const plain = new Client({ name: 'plain-agent', version: '1' });
      try {
        const sse = new URL(server.url.replace(/\/mcp$/, '/sse'));
        await desk.connect(new StreamableHTTPClientTransport(new URL(server.url), auth(DESK_TOKEN)));
        await ci.connect(new SSEClientTransport(sse, auth(CI_TOKEN))); // the legacy transport too
        await plain.connect(new StreamableHTTPClientTransport(new URL(server.url), auth(PLAIN_TOKEN)));
        const generate = async (c: Client, prompt: string) => {
          const r = await c.callTool({ name: 'route_and_generate', arguments: { prompt } });
          expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
        };
        await generate(desk, 'Hello from the desktop, 1');
        await generate(desk, 'Hello from the desktop, 2');
        await generate(ci, 'Hello from the CI bot');
        await generate(plain, 'Hello from the plain client');

        // agents.ci-bot reached the engine for the CI bot's call only
        expect(sentFor('Hello from the CI bot')[0]).toMatchObject({
          options: { temperature: 0.15 },
          system: expect.stringContaining(SYSTEM),
        });
        for (const prompt of ['Hello from the desktop, 1', 'Hello from the plain client']) {
          const [sent] = sentFor(prompt);
          expect(sent?.options, prompt).not.toHaveProperty('temperature');
          expect(sent?.system ?? '', prompt).not.toContain(SYSTEM);
        }
        expect((await ci.listTools()).tools.map((t) => t.name)).not.toContain('remember');
        expect((await desk.listTools()).tools.map((t) => t.name)).toContain('remember');

        // compare and smart_load too are the CI bot's with its entry: its options, system prompt and routing
        const compared = await ci.callTool({
          name: 'compare',
          arguments: { prompt: 'Compare for the CI bot', models: ['llama3.2', 'phi3:mini'], maxTokens: 16 },
        });
        expect(compared.isError, JSON.stringify(compared.content)).toBeFalsy();
        const sentCompare = sentFor('Compare for the CI bot');
        expect(sentCompare).toHaveLength(2);
        for (const s of sentCompare)
          expect(s).toMatchObject({ options: { temperature: 0.15 }, system: expect.stringContaining(SYSTEM) });
        const load = async (c: Client) =>
          (await c.callTool({ name: 'smart_load', arguments: { task: 'general', dryRun: true } }))
            .structuredContent as { model: string; choice: string };
        expect(await load(ci)).toMatchObject({
          model: 'llama3.2:latest',
          choice: expect.stringMatching(/configured for general work/),
        });
        expect((await load(desk)).choice).not.toMatch(/configured for general work/);

        const metrics = JSON.parse(
          ((await plain.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
        ) as { agents: AgentRow[] };
        // desktop: 2 generations and a smart_load; CI bot: a generation, a comparison and a smart_load
        expect(Object.fromEntries(metrics.agents.map((a) => [a.agent, [a.requests, a.offloaded]]))).toEqual({
          'claude-desktop': [3, 2],
          'ci-bot': [3, 2],
          'plain-agent': [1, 1],
        });

        const status = await ci.callTool({ name: 'show_status', arguments: {} });
        const byName = Object.fromEntries(
          (status.structuredContent as { agents: AgentRow[] }).agents.map((a) => [a.agent, a]),
        );
        expect(byName['ci-bot']).toMatchObject({ requests: 3, offloaded: 2 }); // show_status counts once answered
        expect(byName['claude-desktop']).toMatchObject({ requests: 3, offloaded: 2 });
        expect((status.content as Array<{ text: string }>)[0]!.text).toMatch(/- claude-desktop: 3 calls; 2 offloaded/);

        // without one of the tokens, nothing is served
        const none = await fetch(server.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: 'Bearer not-one-of-the-tokens',
          },
          body: '{}',
        });
        expect(none.status).toBe(401);
        expect(server.stderr()).toMatch(
          /bearer token required \(agents named by their token: claude-desktop, ci-bot\)/,
        );
        for (const token of Object.values(TOKENS)) expect(server.stderr()).not.toContain(token);
      } finally {
        for (const c of [desk, ci, plain]) await c.close().catch(() => undefined);
        await server.stop();
      }
    },
  );

  it(
    "a client of the unnamed token calling itself ci-bot gets none of ci-bot's settings and is " +
      "kept apart; ci-bot's own token gets them (issue 55, finding 5)",
    { timeout: 40_000 },
    async () => {
      const server = await startHttp({ OLLM_HOME: tempHome(CONFIG), OLLAMA_HOST: fake.host, ...TOKENS });
      // the unnamed token, ci-bot's name: 2026 era, named per request
      const claims = new Client({ name: 'ci-bot', version: '1' });
      // the same over the 2025-era SSE transport, named at initialize
      const claimsOld = new Client({ name: 'ci-bot', version: '1' });
      const proven = new Client({ name: 'some-runner', version: '1' }); // ci-bot's own token, any name
      try {
        await claims.connect(new StreamableHTTPClientTransport(new URL(server.url), auth(PLAIN_TOKEN)));
        await claimsOld.connect(
          new SSEClientTransport(new URL(server.url.replace(/\/mcp$/, '/sse')), auth(PLAIN_TOKEN)),
        );
        await proven.connect(new StreamableHTTPClientTransport(new URL(server.url), auth(CI_TOKEN)));
        for (const [c, prompt] of [
          [claims, 'Claimed, 2026'],
          [claimsOld, 'Claimed, 2025'],
          [proven, 'Proven'],
        ] as const) {
          const r = await c.callTool({ name: 'route_and_generate', arguments: { prompt } });
          expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
        }
        // what must be stopped: ci-bot's system prompt, options and toolsets for a name it gave itself
        for (const prompt of ['Claimed, 2026', 'Claimed, 2025']) {
          const [sent] = sentFor(prompt);
          expect(sent?.options, prompt).not.toHaveProperty('temperature');
          expect(sent?.system ?? '', prompt).not.toContain(SYSTEM);
        }
        expect((await claims.listTools()).tools.map((t) => t.name)).toContain('remember');
        expect((await claimsOld.listTools()).tools.map((t) => t.name)).toContain('remember');
        // what must be let through: ci-bot's token is ci-bot, with its entry
        expect(sentFor('Proven')[0]).toMatchObject({
          options: { temperature: 0.15 },
          system: expect.stringContaining(SYSTEM),
        });
        expect((await proven.listTools()).tools.map((t) => t.name)).not.toContain('remember');
        // the records: ci-bot counts its token's calls only; the name given is kept apart, marked
        const metrics = JSON.parse(
          ((await claims.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
        ) as { agents: AgentRow[] };
        expect(Object.fromEntries(metrics.agents.map((a) => [a.agent, [a.requests, a.offloaded]]))).toEqual({
          'ci-bot': [1, 1],
          'ci-bot (no token)': [2, 2],
        });
      } finally {
        for (const c of [claims, claimsOld, proven]) await c.close().catch(() => undefined);
        await server.stop();
      }
    },
  );

  it('a named token unset, short, or the same as another stops start-up, naming the entries and never the token', async () => {
    const home = tempHome(CONFIG);
    const start = (env: Record<string, string>) =>
      run(['--transport', 'http', '--port', '0'], { OLLM_HOME: home, OLLAMA_HOST: fake.host, ...env });
    const unset = await start({ OLLM_TOKEN_DESK: DESK_TOKEN });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(
      /Refusing to start: http\.tokens\.ci-bot \(OLLM_TOKEN_CI\) is not set: set that variable to the token agent "ci-bot" sends/,
    );
    const short = await start({ OLLM_TOKEN_DESK: DESK_TOKEN, OLLM_TOKEN_CI: 'ci-short' });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(
      /http\.tokens\.ci-bot \(OLLM_TOKEN_CI\) is 8 characters long; a bearer token needs at least 16/,
    );
    const same = await start({
      OLLM_TOKEN_DESK: DESK_TOKEN,
      OLLM_TOKEN_CI: CI_TOKEN,
      OLLM_HTTP_TOKEN: ` ${CI_TOKEN} `,
    });
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/OLLM_HTTP_TOKEN and http\.tokens\.ci-bot \(OLLM_TOKEN_CI\) are the same token/);
    for (const r of [unset, short, same])
      for (const token of [DESK_TOKEN, CI_TOKEN, 'ci-short']) expect(r.stderr).not.toContain(token);
  });
});
