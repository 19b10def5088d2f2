// A rebuilt checkout (issue 54, findings 4 and 5): the shared server is keyed by the build itself,
// so after a rebuild of the same version a new launch gets a server of the new build; the old one
// retires — no new client, its clients still answered — and exits once they have left (a daemon
// too, without its idle wait); `ollm-mcp shared` lists both with their clients, doctor warns of two
// servers on one $OLLM_HOME, and `shared stop` stops the one named and no other. The earlier build
// is dist/ copied with another build id (helpers/rebuilt.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { earlierBuild, daemonOf, launchOf, type EarlierBuild } from '../helpers/rebuilt.js';
import {
  isRunning,
  runtimeDir,
  servedBy,
  serverLog,
  sharedLaunch,
  sharedPids,
  socketDir,
  socketFiles,
  stopShared,
  type SharedLaunch,
} from '../helpers/shared.js';
import { run, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
let old: EarlierBuild;
const launches: SharedLaunch[] = [];
const runtimes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  old = earlierBuild();
});
afterEach(async () => {
  await Promise.all(launches.splice(0).map((l) => l.close()));
  for (const r of runtimes.splice(0)) stopShared(r);
});
afterAll(async () => {
  await fake?.stop();
  old?.remove();
});

// a long idle limit: a retiring daemon that exits did not wait for it
const setup = (runtime = runtimeDir()) => {
  runtimes.push(runtime);
  const home = tempHome('shared:\n  idleSeconds: 600\n');
  const where = { home, ollamaHost: fake.host, runtime };
  const keep = (l: SharedLaunch) => (launches.push(l), l);
  return {
    runtime,
    home,
    env: { OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_SHARED: '1', OLLM_TEST_RUNTIME_DIR: runtime },
    oldDaemon: async () => {
      const d = daemonOf(old.cli, where);
      await expect.poll(() => sharedPids(runtime), { timeout: 10_000 }).toContain(d.child.pid);
      return d;
    },
    oldLaunch: async (name: string) => keep(await launchOf(old.cli, { ...where, name })),
    launch: async (name: string, args: string[] = []) => keep(await sharedLaunch({ ...where, cwd: home, name, args })),
  };
};

const remember = async (l: SharedLaunch, value: string) => {
  const r = await l.client.callTool({ name: 'remember', arguments: { key: 'editor', value } });
  return { isError: r.isError === true, text: (r.content as Array<{ text: string }>)[0]!.text };
};

interface Listed {
  pid: number;
  address: string;
  joined: boolean;
  server?: {
    build?: string;
    retiring?: boolean;
    daemon?: boolean;
    home?: string;
    clients: Array<{ name?: string; pid: number }>;
  };
}
/**
 * The shared servers `ollm-mcp shared` lists in the test's runtime folder: the listing holds every one of the
 * user's it finds (the run's temporary folder and /tmp too, where other tests' servers may be at the time).
 */
const listed = async (env: Record<string, string>): Promise<Listed[]> => {
  const r = await run(['shared', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { servers: Listed[] }).servers.filter((s) =>
    s.address.startsWith(`${socketDir(env.OLLM_TEST_RUNTIME_DIR!)}/`),
  );
};

describe('a rebuilt checkout', () => {
  it(
    "a new launch does not join the old build's server; the old daemon retires, answers its " +
      "client's calls, and exits once that client left",
    { timeout: 60_000 },
    async () => {
      const { runtime, env, oldDaemon, oldLaunch, launch } = setup();
      const d = await oldDaemon();
      const a = await oldLaunch('client-old');
      expect(a.stderr()).toContain(`forwarding stdio to the shared server ${d.child.pid}`);
      const b = await launch('client-new');
      const server = servedBy(b); // a new server, not the old build's
      expect([0, d.child.pid, b.pid]).not.toContain(server);
      await expect.poll(() => socketFiles(runtime), { timeout: 10_000 }).toContain(`retiring-${d.child.pid}.lock`);
      expect(d.stderr()).toMatch(
        /retiring: a newer build \([0-9a-f]{12}\) serves .* no new client here, exiting once its client has left/,
      );
      // retiring, not gone: its client's calls are still answered there
      const kept = await remember(a, 'helix');
      expect(kept.isError, kept.text).toBe(false);
      expect(isRunning(d.child.pid!)).toBe(true);
      // a second launch of the new build joins the new server, not the old
      const c = await launch('client-new-2');
      expect(servedBy(c)).toBe(server);
      const servers = await listed(env);
      expect(
        servers.map((s) => [s.pid, s.server?.retiring, s.joined, s.server?.clients.map((x) => x.name).sort()]),
      ).toEqual([
        [d.child.pid, true, false, ['client-old']],
        [server, false, true, ['client-new', 'client-new-2']],
      ]);
      expect(servers[0]!.server?.build).toBe(old.id);
      expect(servers[1]!.server?.build).toMatch(/^[0-9a-f]{12}$/);
      expect(servers[1]!.server?.build).not.toBe(old.id);
      await a.close();
      await expect.poll(() => isRunning(d.child.pid!), { timeout: 10_000 }).toBe(false);
      expect(socketFiles(runtime).filter((f) => f.startsWith('retiring-'))).toEqual([]);
      expect(sharedPids(runtime)).toEqual([server]);
    },
  );

  it(
    'other settings for the same home take over too: the server of the old settings retires, ' +
      'answers its own client, and exits when it leaves',
    { timeout: 60_000 },
    async () => {
      const { runtime, launch } = setup();
      const a = await launch('client-a');
      const first = servedBy(a);
      const b = await launch('client-b', ['--ram-budget', '5GB']);
      const second = servedBy(b);
      expect([0, first]).not.toContain(second);
      await expect.poll(() => socketFiles(runtime), { timeout: 10_000 }).toContain(`retiring-${first}.lock`);
      expect(serverLog(runtime, first)).toMatch(/retiring: other settings serve .* \(server \d+\); no new client here/);
      const kept = await remember(a, 'helix');
      expect(kept.isError, kept.text).toBe(false);
      // the same settings as B: joins B
      const c = await launch('client-c', ['--ram-budget', '5GB']);
      expect(servedBy(c)).toBe(second);
      await a.close();
      await expect.poll(() => isRunning(first), { timeout: 10_000 }).toBe(false);
      expect(sharedPids(runtime)).toEqual([second]);
    },
  );

  it(
    'doctor names both servers and warns that two serve one home; `shared stop` without a pid stops the old one only',
    { timeout: 60_000 },
    async () => {
      const { env, oldDaemon, oldLaunch, launch } = setup();
      const d = await oldDaemon();
      await oldLaunch('client-old');
      const b = await launch('client-new');
      await expect
        .poll(async () => (await listed(env)).find((s) => s.pid === d.child.pid)?.server?.retiring, { timeout: 10_000 })
        .toBe(true);
      const doctor = await run(['doctor', '--json'], env);
      const check = (
        JSON.parse(doctor.stdout) as { checks: Array<{ name: string; level: string; detail: string; fix?: string }> }
      ).checks.find((c) => c.name === 'shared server')!;
      expect(check.level).toBe('warn');
      expect(check.detail).toMatch(
        new RegExp(
          `pid ${d.child.pid}, ollm-mcp \\S+ build ${old.id}, \`ollm-mcp daemon\`.*retiring.*client-old 1\\.0\\.0`,
        ),
      );
      expect(check.detail).toMatch(
        new RegExp(
          `pid ${servedBy(b)}, .*\`ollm-mcp daemon\`.*new launches join it; 1 client connected: client-new 1\\.0\\.0`,
        ),
      );
      expect(check.fix).toMatch(
        /2 servers serve .*each engine is planned by the one that claimed it first.*`ollm-mcp shared stop` to stop it now/,
      );
      const text = await run(['shared'], env);
      // the listing holds every shared server of the user it finds (another test's, in /tmp, may be among
      // them): these two are this test's
      expect(text.stdout).toMatch(/^\d+ shared servers:/);
      for (const pid of [d.child.pid!, servedBy(b)]) expect(text.stdout).toContain(`pid ${pid}`);
      expect((await listed(env)).map((s) => s.pid).sort()).toEqual([d.child.pid!, servedBy(b)].sort());
      expect(text.stdout).toContain('! 2 servers serve ');
      const stopped = await run(['shared', 'stop'], env);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout).toContain(`Stopped shared server ${d.child.pid}.`);
      expect(isRunning(d.child.pid!)).toBe(false);
      expect(isRunning(servedBy(b))).toBe(true);
      expect((await remember(b, 'vim')).isError).toBe(false);
    },
  );

  it(
    '`shared stop PID` stops that server and no other; a pid that is no shared server of this ' +
      'user is refused, nothing signalled',
    { timeout: 60_000 },
    async () => {
      const one = setup();
      const two = setup(one.runtime);
      const a = await one.launch('client-one');
      const b = await two.launch('client-two');
      const [sa, sb] = [servedBy(a), servedBy(b)];
      // two $OLLM_HOMEs, one socket folder: both listed, neither retires the other
      const all = await listed(one.env);
      expect(all.map((s) => [s.pid, s.server?.retiring, s.joined])).toEqual([
        [sa, false, true],
        [sb, false, false],
      ]);
      const none = await run(['shared', 'stop', String(process.pid)], one.env);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(new RegExp(`No shared server of yours has pid ${process.pid}`));
      expect(isRunning(sa)).toBe(true);
      const bad = await run(['shared', 'stop', 'x1'], one.env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/takes a pid or "all"/);
      const stopped = await run(['shared', 'stop', String(sa)], one.env);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout).toBe(`Stopped shared server ${sa}.\n`);
      expect(isRunning(sa)).toBe(false);
      expect(isRunning(sb)).toBe(true);
      expect((await remember(b, 'emacs')).isError).toBe(false);
      // its client lost nothing: its launch started the next server
      expect((await remember(a, 'nano')).isError).toBe(false);
      const nothing = await run(['shared', 'stop'], two.env);
      expect(nothing.code).toBe(0);
      expect(nothing.stdout).toMatch(/Nothing to stop: no other shared server serves/);
      expect(isRunning(sb)).toBe(true);
    },
  );
});
