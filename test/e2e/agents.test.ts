// Several agents on one machine (issue 43, items 3 and 4): two server processes on one $OLLM_HOME,
// each driven by a client of its own name, against one fake Ollama. Each agent's calls, tokens,
// savings and verdicts are kept apart in the shared records (ollm://metrics, show_status), and an
// `agents:` entry tunes only the client it names: its model, temperature, system prompt and tools.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FakeOllama } from '../fake-ollama/server.js';
import { CLI, run, serverEnv, startHttp, tempHome } from '../helpers/spawn.js';

const TUNED = 'tuned-agent';
const PLAIN = 'plain-agent';
const SYSTEM = 'You answer for the tuned agent only.';
const CONFIG = `agents:
  ${TUNED}:
    model:
      default: phi3:mini
    options:
      temperature: 0.15
    toolsets: [offload, status]
    system: "${SYSTEM}"
`;

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

/** A server process on `home` whose client calls itself `name`. */
async function agent(home: string, name: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: serverEnv({ OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' }),
    stderr: 'pipe',
    cwd: home,
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return { client, close: () => client.close().catch(() => undefined) };
}

type Generate = { model: string; system?: string; prompt: string; options?: { temperature?: number } };
/** What the fake Ollama was sent for `prompt`. */
const sentFor = (prompt: string) =>
  fake.requests
    .filter((r) => r.path === '/api/generate' && (r.body as Generate).prompt === prompt)
    .map((r) => r.body as Generate);

describe('agents', () => {
  it(
    "each agent's calls, tokens, savings and verdicts are kept apart; its agents: entry reaches " +
      'the engine for its calls only',
    async () => {
      const home = tempHome(CONFIG);
      const tuned = await agent(home, TUNED);
      const plain = await agent(home, PLAIN);
      try {
        // the plain agent first: once the tuned agent's model is loaded, routing would prefer it for anyone
        for (const n of [1, 2]) {
          const b = await plain.client.callTool({
            name: 'route_and_generate',
            arguments: { prompt: `Say hello from the plain agent, ${n}` },
          });
          expect(b.isError, JSON.stringify(b.content)).toBeFalsy();
        }
        const a = await tuned.client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: 'Say hello from the tuned agent' },
        });
        expect(a.isError, JSON.stringify(a.content)).toBeFalsy();
        const answerId = (a.structuredContent as { answerId: string }).answerId;
        expect(
          (await tuned.client.callTool({ name: 'rate_answer', arguments: { answerId, verdict: 'good' } })).isError,
        ).toBeFalsy();

        // the tuned agent's entry reached the engine for its call…
        const [t] = sentFor('Say hello from the tuned agent');
        expect(t, JSON.stringify((a.structuredContent as { reason: string }).reason)).toMatchObject({
          model: 'phi3:mini',
          options: { temperature: 0.15 },
        });
        expect(t!.system).toContain(SYSTEM);
        // …and nothing of it for the other agent's
        const [p] = sentFor('Say hello from the plain agent, 1');
        expect(p!.model).not.toBe('phi3:mini');
        expect(p!.options).not.toHaveProperty('temperature'); // none set: the model's own applies
        expect(p!.system ?? '').not.toContain(SYSTEM);

        // the tuned agent is offered its toolsets only; the other every tool
        const tunedTools = (await tuned.client.listTools()).tools.map((x) => x.name);
        expect(tunedTools).toContain('route_and_generate');
        expect(tunedTools).toContain('show_status');
        expect(tunedTools).not.toContain('remember');
        expect((await plain.client.listTools()).tools.map((x) => x.name)).toContain('remember');
        await expect(tuned.client.callTool({ name: 'remember', arguments: { key: 'k', value: 'v' } })).rejects.toThrow(
          /remember/,
        );

        // the other process's records arrive once it flushes them (debounced): closing flushes
        await plain.close();
        const status = await tuned.client.callTool({ name: 'show_status', arguments: {} });
        const agents = (status.structuredContent as { agents: Array<Record<string, unknown>> }).agents;
        const byName = Object.fromEntries(agents.map((x) => [x.agent, x]));
        expect(byName[PLAIN]).toMatchObject({ requests: 2, failed: 0, offloaded: 2, good: 0 });
        expect(byName[TUNED]).toMatchObject({ requests: 2, offloaded: 1, good: 1, bad: 0 });
        expect(byName[PLAIN]!.outputTokens).toBeGreaterThan(0);
        expect(byName[TUNED]!.promptTokens).toBeGreaterThan(0);
        const text = (status.content as Array<{ text: string }>)[0]!.text;
        expect(text).toMatch(new RegExp(`- ${PLAIN}: 2 calls; 2 offloaded, .* tokens`));
        expect(text).toMatch(new RegExp(`- ${TUNED}: 2 calls; 1 offloaded, .*; verdicts 1 good, 0 bad`));

        const metrics = JSON.parse(
          ((await tuned.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
        ) as { agents: Array<Record<string, unknown>> };
        expect(metrics.agents.find((x) => x.agent === PLAIN)).toMatchObject({ requests: 2, offloaded: 2 });
        // show_status itself was a call of the tuned agent's
        expect(metrics.agents.find((x) => x.agent === TUNED)).toMatchObject({ requests: 3, offloaded: 1 });
      } finally {
        await tuned.close();
        await plain.close();
      }
    },
  );

  it('two clients of one HTTP server are two agents, each with its own counts', async () => {
    const home = tempHome(CONFIG);
    const server = await startHttp({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
    const clients = [new Client({ name: TUNED, version: '1' }), new Client({ name: PLAIN, version: '1' })];
    try {
      for (const c of clients) await c.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const [tuned, plain] = clients as [Client, Client];
      expect(
        (await plain.callTool({ name: 'route_and_generate', arguments: { prompt: 'Say hello over HTTP, plain' } }))
          .isError,
      ).toBeFalsy();
      expect(
        (await tuned.callTool({ name: 'route_and_generate', arguments: { prompt: 'Say hello over HTTP, tuned' } }))
          .isError,
      ).toBeFalsy();
      expect(sentFor('Say hello over HTTP, tuned')[0]).toMatchObject({ options: { temperature: 0.15 } });
      expect(sentFor('Say hello over HTTP, plain')[0]!.options).not.toHaveProperty('temperature');
      expect((await tuned.listTools()).tools.map((x) => x.name)).not.toContain('remember');
      expect((await plain.listTools()).tools.map((x) => x.name)).toContain('remember');
      const metrics = JSON.parse(
        ((await plain.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
      ) as { agents: Array<Record<string, unknown>> };
      expect(Object.fromEntries(metrics.agents.map((a) => [a.agent, [a.requests, a.offloaded]]))).toEqual({
        [TUNED]: [1, 1],
        [PLAIN]: [1, 1],
      });
    } finally {
      for (const c of clients) await c.close().catch(() => undefined);
      await server.stop();
    }
  });
});

describe('doctor on agents: keys (issue 54, finding 9)', () => {
  it(
    'warns about a key no client sends — the app name where the client name belongs — and not ' +
      'about one a client used',
    async () => {
      const home = tempHome(`${CONFIG}  claude-desktop:\n    options:\n      temperature: 0.2\n`);
      const tuned = await agent(home, TUNED);
      try {
        expect((await tuned.client.callTool({ name: 'show_status', arguments: {} })).isError).toBeFalsy();
      } finally {
        await tuned.close();
      }
      const doctor = await run(['doctor'], { OLLM_HOME: home, OLLAMA_HOST: fake.host });
      expect(doctor.stdout).toMatch(
        /agents\.claude-desktop applies to no client: .*\(Claude Desktop sends claude-ai\)/,
      );
      expect(doctor.stdout).toMatch(/rename agents\.claude-desktop to agents\.claude-ai in settings/);
      expect(doctor.stdout).not.toMatch(new RegExp(`agents\\.${TUNED} applies to no client`));
    },
  );
});
