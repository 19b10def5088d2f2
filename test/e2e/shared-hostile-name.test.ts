// A client with a hostile name on the shared server (issue 55, finding 7): a megabyte-long
// clientInfo name full of escape sequences and line breaks reaches the other clients, through
// ollm://fleet, only cleaned and capped; and `doctor` still lists the server and its clients (its
// answer to `who` carries that name), cleaned too. A plain name is shown as it is.
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { run, tempHome } from '../helpers/spawn.js';
import { runtimeDir, sharedFixture, sharedLaunch, type SharedLaunch } from '../helpers/shared.js';

const HOSTILE = `\x1b]0;pwned\x07\x1b[2J\x1b[31mevil\nshared server: none running\r\n${'x'.repeat(1024 * 1024)}`;
const SHOWN = `evil shared server: none running ${'x'.repeat(100 - 'evil shared server: none running '.length - 1)}…`;

const shared = sharedFixture();
const { launches, runtimes } = shared;

type Fleet = { clients?: Array<{ name?: string; version?: string; pid: number }> };
const fleet = async (l: SharedLaunch) => {
  const text = ((await l.client.readResource({ uri: 'ollm://fleet' })).contents[0] as { text: string }).text;
  return { text, clients: (JSON.parse(text) as Fleet).clients ?? [] };
};

describe('a client with a hostile name on the shared server', () => {
  it(
    'reaches the others through ollm://fleet cleaned and capped, and doctor still lists the server',
    { timeout: 60_000 },
    async () => {
      const runtime = runtimeDir();
      runtimes.push(runtime);
      const home = tempHome('');
      const env = { OLLM_HOME: home, OLLAMA_HOST: shared.fake.host, OLLM_SHARED: '1', OLLM_TEST_RUNTIME_DIR: runtime };
      const launch = async (name: string, client?: Client) => {
        const l = await sharedLaunch({
          home,
          ollamaHost: shared.fake.host,
          runtime,
          cwd: home,
          name,
          ...(client && { client }),
        });
        launches.push(l);
        return l;
      };
      const host = await launch('claude-code');
      const hostile = await launch('hostile', new Client({ name: HOSTILE, version: `\x1b[0m${'9'.repeat(100_000)}` }));
      const other = await launch('Cursor 1.2');

      const seen = await fleet(other);
      const byPid = new Map(seen.clients.map((c) => [c.pid, c]));
      // let through: plain names exactly
      expect(byPid.get(host.pid)?.name).toBe('claude-code');
      expect(byPid.get(other.pid)?.name).toBe('Cursor 1.2');
      // stopped: the hostile one bounded and clean, in the answer of every other client
      const shown = [...byPid.values()].find((c) => c.pid !== host.pid && c.pid !== other.pid);
      expect(shown?.name).toBe(SHOWN);
      expect(shown?.version).toBe(`${'9'.repeat(99)}…`);
      expect(seen.text.length).toBeLessThan(10_000);
      expect(seen.text).not.toMatch(/\\u001b|\\n|\\r|\\u0007/);
      expect(hostile.pid).toBeGreaterThan(0);

      // doctor, with the same settings and runtime folder, lists the server and its three clients
      const doctor = await run(['doctor'], env);
      const line = doctor.stdout.split('\n').find((l) => l.includes('shared server')) ?? '';
      expect(line).toMatch(/3 clients connected: /);
      expect(line).toContain('claude-code 1.0.0');
      expect(line).toContain('Cursor 1.2 1.0.0');
      expect(line).toContain(SHOWN);
      expect(line).not.toMatch(/gives no answer|none running now/);
      expect(doctor.stdout).not.toMatch(/\x1b|\x07/);
      expect(doctor.stdout.length).toBeLessThan(20_000);
    },
  );
});
