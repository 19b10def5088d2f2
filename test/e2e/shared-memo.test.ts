// A launch started as one before forwards from that launch's memo (src/server/shared/memo.ts),
// without loading its settings' code; once the settings file changed it loads them again, and gets
// the server of the new settings — whose plan the next launch then remembers.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeDir, servedBy, sharedFixture, sharedLaunch, type SharedLaunch } from '../helpers/shared.js';
import { tempHome } from '../helpers/spawn.js';

const state = sharedFixture();
const MEMO = /forwarding as the last launch started this way planned/;

const generate = async (l: SharedLaunch) => {
  const res = await l.client.callTool({
    name: 'route_and_generate',
    arguments: { prompt: 'Say hi.', model: 'llama3.2', maxTokens: 8, useMemory: false },
  });
  return { isError: res.isError === true, text: (res.content as Array<{ text: string }>)[0]!.text };
};

describe('a launch started as one before', () => {
  it(
    'forwards from its memo to the same server; after the settings file changed it reads them ' +
      'again and joins the new settings’ server',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      state.runtimes.push(runtime);
      const home = tempHome('shared:\n  idleSeconds: 30\n');
      const launch = async (name: string) => {
        const l = await sharedLaunch({
          home,
          ollamaHost: state.fake.host,
          runtime,
          cwd: home,
          name,
          env: { OLLM_LOG_LEVEL: 'debug' },
        });
        state.launches.push(l);
        return l;
      };
      const a = await launch('agent-a');
      expect(a.stderr()).not.toMatch(MEMO); // the first: settings loaded, the plan kept
      const first = servedBy(a);
      expect(first).toBeGreaterThan(0);
      // the server the launch started runs with its Node flags (spawn.ts DAEMON_NODE_FLAGS)
      if (process.platform === 'linux')
        expect(readFileSync(`/proc/${first}/cmdline`, 'utf8').split('\0')).toEqual(
          expect.arrayContaining(['--max-semi-space-size=4', '--min-semi-space-size=4']),
        );
      const b = await launch('agent-b');
      expect(b.stderr()).toMatch(MEMO);
      expect(servedBy(b)).toBe(first);
      const rb = await generate(b);
      expect(rb.isError, rb.text).toBe(false);
      // the settings file changed: read again, and another key, another server
      writeFileSync(join(home, 'config.yaml'), 'shared:\n  idleSeconds: 30\nram:\n  budget: 5GB\n');
      const c = await launch('agent-c');
      expect(c.stderr()).not.toMatch(MEMO);
      const second = servedBy(c);
      expect([0, first]).not.toContain(second);
      const d = await launch('agent-d');
      expect(d.stderr()).toMatch(MEMO);
      expect(servedBy(d)).toBe(second);
      // (a call of its own, not the engine's: this server's engine calls go through the first one's claim
      // while it lives)
      const kept = await d.client.callTool({
        name: 'remember',
        arguments: { key: 'deploy-target', value: 'staging-eu' },
      });
      expect(kept.isError, JSON.stringify(kept.content)).toBeFalsy();
    },
  );
});
