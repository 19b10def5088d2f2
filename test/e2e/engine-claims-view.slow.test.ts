// One view of one engine (issue 75, finding 8): two shared servers of one user with other settings
// (and their own names for the hosts) on the same two fake Ollama engines. The first claims both;
// the second reaches them through it, yet shows each engine as the first does: its models — the
// cloud one too — once each under the second's own host name, what is loaded with its memory and
// pins (managesMemory true, plannedBy the first's pid), and its unload and pin carried out by the
// first's plan, on the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { CLOUD_MODELS } from '../fake-ollama/fixtures-extra.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { launcherIn, runtimeDir, servedBy, sharedFixture, type SharedLaunch } from '../helpers/shared.js';
import { startHttp, tempHome } from '../helpers/spawn.js';

const state = sharedFixture();
let second: FakeOllama;
const CLOUD = CLOUD_MODELS[0]!.name;

beforeAll(async () => {
  state.fake.addModel(CLOUD_MODELS[0]!);
  second = await FakeOllama.start({
    memoryBytes: 16e9,
    tokenDelayMs: 0,
    models: DEFAULT_MODELS.filter((m) => m.name === 'phi3:mini'),
  });
});
afterAll(async () => {
  await second?.stop();
});

type Out = Record<string, unknown>;
const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  const text = (res.content as Array<{ text: string }>)[0]!.text;
  return { isError: res.isError === true, text, out: res.structuredContent as Out };
};

/** Each model of a list_models answer as name@host, its host named as `rename` says. */
const listed = (out: Out, rename: Record<string, string> = {}) =>
  (out.models as Array<{ name: string; host?: string }>)
    .map((m) => `${m.name}@${rename[m.host ?? ''] ?? m.host}`)
    .sort();

interface HostEntry {
  name: string;
  kind: string;
  managesMemory: boolean;
  plannedBy?: number;
  capacity?: { ramTotalBytes?: number };
  loaded?: Array<{ name: string; pinned: boolean }>;
}
const hostOf = (out: Out, name: string) => (out.hosts as HostEntry[]).find((h) => h.name === name)!;

/** The first server claims both engines (its pin on llama3.2 loaded first), the second reaches them through it. */
async function twoServers() {
  const launch = launcherIn(state, runtimeDir());
  const a = await launch(
    'agent-a',
    `shared:\n  idleSeconds: 30\nhosts:\n  - {name: second, kind: ollama, url: "${second.url}"}\n`,
  );
  expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true, host: 'ollama' })).out).toMatchObject({
    pinned: true,
  });
  const routing = 'model:\n  routing:\n    defaultProfile: fast\n';
  const b = await launch(
    'agent-b',
    `shared:\n  idleSeconds: 30\n${routing}hosts:\n  - {name: spare, kind: ollama, url: "${second.url}"}\n`,
  );
  const pa = servedBy(a);
  expect(servedBy(b)).not.toBe(pa);
  return { a, b, pa };
}

describe('two servers of one user, other settings, engines planned by the first', () => {
  it('list the same models, each once under the own host name, the cloud model too', { timeout: 60_000 }, async () => {
    const { a, b } = await twoServers();
    const [la, lb] = [await call(a, 'list_models', { refresh: true }), await call(b, 'list_models', { refresh: true })];
    expect(lb.isError, lb.text).toBe(false);
    expect(listed(lb.out)).toEqual(listed(la.out, { second: 'spare' }));
    expect(listed(lb.out)).toContain(`${CLOUD}@ollama`);
    expect(listed(lb.out).filter((m) => m.startsWith('llama3.2:latest@'))).toEqual(['llama3.2:latest@ollama']);
    expect(listed(lb.out).filter((m) => m.startsWith('phi3:mini@'))).toEqual(['phi3:mini@ollama', 'phi3:mini@spare']);
    expect((lb.out.models as Array<{ name: string; cloud?: boolean }>).find((m) => m.name === CLOUD)).toMatchObject({
      cloud: true,
    });
    await call(a, 'unload_model', { all: true, includePinned: true });
  });

  it(
    'show_status and ollm://fleet show the engine as the first does: loaded, memory, pins, plannedBy',
    { timeout: 60_000 },
    async () => {
      const { a, b, pa } = await twoServers();
      const sb = await call(b, 'show_status', {});
      const engine = hostOf(sb.out, 'ollama');
      expect(engine).toMatchObject({ kind: 'ollama', managesMemory: true, plannedBy: pa });
      expect(engine.capacity?.ramTotalBytes).toBeGreaterThan(0);
      expect(engine.loaded).toEqual([expect.objectContaining({ name: 'llama3.2:latest', pinned: true })]);
      expect(hostOf(sb.out, 'spare')).toMatchObject({ managesMemory: true, plannedBy: pa, loaded: [] });
      expect(sb.text).toContain(`planned by ollm-mcp process ${pa}`);
      expect(sb.text).toContain('llama3.2:latest');
      const read = await b.client.readResource({ uri: 'ollm://fleet' });
      const fleet = JSON.parse((read.contents[0] as { text: string }).text) as Out;
      expect(hostOf(fleet, 'ollama')).toMatchObject({ managesMemory: true, plannedBy: pa });
      await call(a, 'unload_model', { all: true, includePinned: true });
    },
  );

  it(
    "a pin and an unload from the second are carried out by the first's plan, on the engine",
    { timeout: 60_000 },
    async () => {
      const { a, b } = await twoServers();
      const pinned = await call(b, 'smart_load', { model: 'phi3:mini', pin: true, host: 'ollama' });
      expect(pinned.isError, pinned.text).toBe(false);
      expect(pinned.out).toMatchObject({ model: 'phi3:mini', pinned: true });
      expect(state.fake.loaded().map((m) => m.name)).toContain('phi3:mini');
      const there = hostOf((await call(a, 'show_status', {})).out, 'ollama').loaded;
      expect(there).toContainEqual(expect.objectContaining({ name: 'phi3:mini', pinned: true }));
      const unloaded = await call(b, 'unload_model', { model: 'llama3.2', host: 'ollama' });
      expect(unloaded.isError, unloaded.text).toBe(false);
      expect(unloaded.out).toMatchObject({ unloaded: ['llama3.2:latest'] });
      expect(state.fake.loaded().map((m) => m.name)).not.toContain('llama3.2:latest');
      const after = hostOf((await call(b, 'show_status', {})).out, 'ollama');
      expect(after.loaded?.map((m) => m.name)).toEqual(['phi3:mini']);
      await call(a, 'unload_model', { all: true, includePinned: true });
    },
  );

  it(
    "the HTTP server beside a stdio client's shared server: its monitor's status and buttons are the engine's",
    {
      timeout: 60_000,
    },
    async () => {
      const runtime = runtimeDir();
      const a = await launcherIn(state, runtime)('agent-a', 'shared:\n  idleSeconds: 30\n');
      expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({ pinned: true });
      const env = { OLLM_HOME: tempHome(''), OLLAMA_HOST: state.fake.host, OLLM_TEST_RUNTIME_DIR: runtime };
      const http = await startHttp(env);
      const client = new Client({ name: 'monitor-page', version: '1' });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
        const view = { client, pid: 0, stderr: () => '', close: async () => undefined } satisfies SharedLaunch;
        const status = await call(view, 'show_status', {});
        const engine = hostOf(status.out, 'ollama');
        expect(engine).toMatchObject({ kind: 'ollama', managesMemory: true, plannedBy: servedBy(a) });
        expect(engine.capacity?.ramTotalBytes).toBeGreaterThan(0);
        expect(engine.loaded).toEqual([expect.objectContaining({ name: 'llama3.2:latest', pinned: true })]);
        // the page's Unload button: unload_model for that host, carried out by the planner
        const unloaded = await call(view, 'unload_model', { model: 'llama3.2:latest', host: 'ollama' });
        expect(unloaded.isError, unloaded.text).toBe(false);
        expect(state.fake.loaded().map((m) => m.name)).not.toContain('llama3.2:latest');
      } finally {
        await client.close().catch(() => undefined);
        await http.stop();
      }
    },
  );
});
