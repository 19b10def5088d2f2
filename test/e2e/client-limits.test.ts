// Each client's time limit (issue 56, item 1), as the shared server's clients see it: show_status
// lists every connected client with how long it waits for a tool call — its client's known limit,
// its agent's timeoutSeconds, or the MCP SDK's 60 s — and doctor says the same in a line.
import { describe, expect, it } from 'vitest';
import { run, tempHome } from '../helpers/spawn.js';
import { runtimeDir, sharedFixture, sharedLaunch } from '../helpers/shared.js';

// my-script's agent waits as long as it takes; claude-code's 90 s, over its row (120 s)
const YAML = 'agents:\n  my-script:\n    timeoutSeconds: 0\n  claude-code:\n    timeoutSeconds: 90\n';

type Client = { name?: string; pid: number; limitSeconds?: number; limit?: string };

const shared = sharedFixture();
const { launches, runtimes } = shared;

async function fourClients() {
  const runtime = runtimeDir();
  runtimes.push(runtime);
  const home = tempHome(YAML);
  const launch = async (name: string) => {
    const l = await sharedLaunch({ home, ollamaHost: shared.fake.host, runtime, cwd: home, name });
    launches.push(l);
    return l;
  };
  const desktop = await launch('claude-ai');
  const script = await launch('my-script');
  const other = await launch('some-ide');
  const code = await launch('claude-code');
  return { runtime, home, desktop, script, other, code };
}

describe("each client's time limit through the shared server", () => {
  it('show_status lists every client with how long it waits, and why', async () => {
    const { desktop, script, other, code } = await fourClients();
    const res = await other.client.callTool({ name: 'show_status', arguments: {} });
    expect(res.isError).not.toBe(true);
    const clients = (res.structuredContent as { clients?: Client[] }).clients ?? [];
    const byName = new Map(clients.map((c) => [c.name, c]));
    // a known client: its row
    expect(byName.get('claude-ai')).toMatchObject({
      pid: desktop.pid,
      limitSeconds: 60,
      limit: 'waits 60 s (Claude Desktop)',
    });
    // an agent's timeoutSeconds: 0 is no limit, so no limitSeconds
    expect(byName.get('my-script')).toMatchObject({
      pid: script.pid,
      limit: 'waits as long as it takes (agents.my-script.timeoutSeconds)',
    });
    expect(byName.get('my-script')).not.toHaveProperty('limitSeconds');
    // an agent's timeoutSeconds wins over its client's row (claude-code's is 120 s)
    expect(byName.get('claude-code')).toMatchObject({
      pid: code.pid,
      limitSeconds: 90,
      limit: 'waits 90 s (agents.claude-code.timeoutSeconds)',
    });
    // any other client: the SDK's 60 s
    expect(byName.get('some-ide')).toMatchObject({
      pid: other.pid,
      limitSeconds: 60,
      limit: "waits 60 s (the MCP SDK's default)",
    });
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(text).toContain('Clients of the shared server, and how long each waits for a call:');
    expect(text).toContain(`claude-ai (pid ${desktop.pid}) waits 60 s (Claude Desktop)`);
    expect(text).toContain(`my-script (pid ${script.pid}) waits as long as it takes (agents.my-script.timeoutSeconds)`);
  });

  it('doctor says how long each connected client waits', async () => {
    const { runtime, home, desktop, other } = await fourClients();
    const r = await run(['doctor', '--json'], {
      OLLM_HOME: home,
      OLLAMA_HOST: shared.fake.host,
      OLLM_SHARED: '1',
      OLLM_TEST_RUNTIME_DIR: runtime,
    });
    const checks = (JSON.parse(r.stdout) as { checks: Array<{ name: string; level: string; detail: string }> }).checks;
    const line = checks.find((c) => c.name === 'client time limits');
    expect(line?.level).toBe('ok');
    expect(line?.detail).toContain(`claude-ai (pid ${desktop.pid}) waits 60 s (Claude Desktop)`);
    expect(line?.detail).toContain(`some-ide (pid ${other.pid}) waits 60 s (the MCP SDK's default)`);
    expect(line?.detail).toContain('waits 90 s (agents.claude-code.timeoutSeconds)');
  });
});
