/**
 * A call's own cost (issue 63): nothing a call does turns on the process's promise hooks — an
 * AsyncLocalStorage entered once on Node 20 and 22 taxes every promise of the server, every client's,
 * for the rest of its life. The built server, alone, answers generations (with and without a
 * progress token) and a remember; a probe loaded into it says whether a promise continuation ever
 * ran with an async id. The probe's own check: a hook turned on is seen.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { connect, startHttp, tempHome } from '../helpers/spawn.js';

const PROBE = join(import.meta.dirname, '../fixtures/probes/promise-hooks.mjs');

describe('promise hooks stay off', () => {
  let fake: FakeOllama;
  beforeAll(async () => {
    fake = await FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0 });
    fake.reply('a b c');
  });
  afterAll(async () => fake.stop());

  /** A server alone with the probe in it (`on`: a hook turned on by the probe itself); its reading after `work`. */
  async function probed(
    on: boolean,
    work: (client: Awaited<ReturnType<typeof connect>>['client']) => Promise<void>,
  ): Promise<number> {
    const home = tempHome();
    const file = join(home, 'probe.txt');
    const s = await connect({
      OLLM_HOME: home,
      HOME: home,
      OLLAMA_HOST: fake.host,
      OLLM_SHARED: '0',
      NODE_OPTIONS: `--import=${PROBE}`,
      OLLM_TEST_PROBE: file,
      ...(on && { OLLM_TEST_HOOK_ON: '1' }),
    });
    try {
      await work(s.client);
      // the probe written since the work ended: the highest id it saw, the work's included
      await vi.waitFor(() => readFileSync(file, 'utf8'), { timeout: 5000, interval: 20 });
      await new Promise((r) => setTimeout(r, 100));
      // with the hook on, its reading is waited for (on a loaded machine the probe's next write may come
      // late); a hook never seen still reads 0
      if (on)
        await vi
          .waitFor(() => Number(readFileSync(file, 'utf8')) > 0 || Promise.reject(new Error('not seen yet')), {
            timeout: 5000,
            interval: 50,
          })
          .catch(() => undefined);
      return Number(readFileSync(file, 'utf8'));
    } finally {
      await s.close();
    }
  }

  it('generations with and without a progress token, and a remember: no promise ran with an async id', async () => {
    const seen = await probed(false, async (client) => {
      for (let i = 0; i < 5; i++) {
        const plain = await client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 8 },
        });
        expect(plain.isError).toBeFalsy();
        const heard = await client.callTool(
          { name: 'route_and_generate', arguments: { prompt: 'hello there', model: 'llama3.2', maxTokens: 8 } },
          { onprogress: () => undefined },
        );
        expect(heard.isError).toBeFalsy();
      }
      const kept = await client.callTool(
        { name: 'remember', arguments: { key: 'probe', value: 'v' } },
        { onprogress: () => undefined },
      );
      expect(kept.isError).toBeFalsy();
    });
    expect(seen).toBe(0);
  });

  it(
    'over HTTP with a named token (each request its agent, the 2025 and 2026 eras): no promise ' +
      'ran with an async id',
    async () => {
      const home = tempHome('http:\n  tokens:\n    ci-bot: { tokenEnv: OLLM_TOKEN_CI }\n');
      const file = join(home, 'probe.txt');
      const server = await startHttp({
        OLLM_HOME: home,
        HOME: home,
        OLLAMA_HOST: fake.host,
        OLLM_TOKEN_CI: 'ci-secret-token-0123456789',
        NODE_OPTIONS: `--import=${PROBE}`,
        OLLM_TEST_PROBE: file,
      });
      try {
        for (const modern of [false, true]) {
          const client = new Client(
            { name: 'probe', version: '1' },
            modern ? { versionNegotiation: { mode: 'auto' } } : {},
          );
          await client.connect(
            new StreamableHTTPClientTransport(new URL(server.url), {
              requestInit: { headers: { authorization: 'Bearer ci-secret-token-0123456789' } },
            }),
          );
          for (let i = 0; i < 3; i++)
            expect(
              (
                await client.callTool({
                  name: 'route_and_generate',
                  arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 8 },
                })
              ).isError,
            ).toBeFalsy();
          await client.close();
        }
        await vi.waitFor(() => readFileSync(file, 'utf8'), { timeout: 5000, interval: 20 });
        await new Promise((r) => setTimeout(r, 100));
        expect(Number(readFileSync(file, 'utf8'))).toBe(0);
      } finally {
        await server.stop();
      }
    },
  );

  it("the probe's own check: a hook turned on in the server is seen", async () => {
    const seen = await probed(true, async (client) => {
      await new Promise((r) => setTimeout(r, 400)); // past the probe's 200 ms
      expect(
        (
          await client.callTool({
            name: 'route_and_generate',
            arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 8 },
          })
        ).isError,
      ).toBeFalsy();
    });
    expect(seen).toBeGreaterThan(0);
  });
});
