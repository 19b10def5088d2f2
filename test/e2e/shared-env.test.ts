// The shared server runs with the environment of the launch that started it, so the variables that
// change what a server does (place.ts SERVER_VARIABLES) are in its key: a launch with other values
// gets a server of its own, and never has the first launch's rule (issue 61, item 9) — while
// launches with the same environment still share one server.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readIfThere,
  runtimeDir,
  servedBy,
  serverLog,
  sharedFixture,
  sharedLaunch,
  socketDir,
  type SharedLaunch,
} from '../helpers/shared.js';
import { run, tempHome } from '../helpers/spawn.js';
import { shortTempDir, tempDir } from '../helpers/temp.js';

const state = sharedFixture();

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};

/** The pids the engine claims in the runtime folder name. */
const claimants = (runtime: string): number[] =>
  readdirSync(socketDir(runtime))
    .filter((n) => /^engine-[0-9a-f]{16}\.json$/.test(n))
    .flatMap((f) => {
      // '' when withdrawn between the listing and the read; never half-written (engine-claims.ts links it
      // whole)
      const text = readIfThere(join(socketDir(runtime), f));
      return text ? [(JSON.parse(text) as { pid: number }).pid] : [];
    });

describe('the environment of a launch, one home', () => {
  it(
    'a launch with OLLM_ENGINE_CLAIMS=0 after one without gets a server of its own where claims ' +
      'are off; the first keeps its claim; the same environment shares one server',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      state.runtimes.push(runtime);
      const home = tempHome('shared:\n  idleSeconds: 30\n');
      const launch = async (name: string, env?: Record<string, string>) => {
        const l = await sharedLaunch({
          home,
          ollamaHost: state.fake.host,
          runtime,
          cwd: home,
          name,
          ...(env && { env }),
        });
        state.launches.push(l);
        return l;
      };
      const a = await launch('agent-a');
      expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({ pinned: true });
      const pa = servedBy(a);
      expect(pa).toBeGreaterThan(0);
      expect(claimants(runtime)).toEqual([pa]);
      // the same environment: the same server
      const a2 = await launch('agent-a2');
      expect(servedBy(a2)).toBe(pa);
      // claims off: a server of its own, which claims nothing and plans the engine itself
      const b = await launch('agent-b', { OLLM_ENGINE_CLAIMS: '0' });
      const pb = servedBy(b);
      expect(pb).toBeGreaterThan(0);
      expect(pb).not.toBe(pa);
      const r = await call(b, 'route_and_generate', {
        prompt: 'Say hi.',
        model: 'phi3:mini',
        maxTokens: 8,
        useMemory: false,
      });
      expect(r.isError, r.text).toBe(false);
      expect((await call(b, 'show_status', {})).text).not.toContain('planned by ollm-mcp process');
      expect(serverLog(runtime, pb)).not.toMatch(/engine .*: this server plans its memory \(claim/);
      // the first keeps its claim, and its clients their server
      expect(claimants(runtime)).toEqual([pa]);
      expect((await call(a2, 'show_status', {})).isError).toBe(false);
      await call(a, 'unload_model', { model: 'llama3.2' });
    },
  );
});

// issue 80, finding 1: the place where launches meet came from $XDG_RUNTIME_DIR, else $TMPDIR — Claude Code passes the
// user's whole environment, a desktop app or the SDK's default a minimal one, and the two got two shared servers,
// each planning the same engine in a folder of its own
describe('one rendezvous for every launch of the user, whatever environment its client passes', () => {
  /** A user: a home with ~/.ollm/config.yaml (`yaml`), as both kinds of client find it. */
  const user = (yaml: string) => {
    const home = tempHome();
    mkdirSync(join(home, '.ollm'));
    writeFileSync(join(home, '.ollm', 'config.yaml'), yaml);
    return home;
  };
  /** A 60-character temporary folder, and a runtime folder of another place, as a whole environment might name. */
  const elsewhere = () => {
    const base = shortTempDir('ollm-long-');
    const tmp = join(base, 'x'.repeat(60 - base.length - 1));
    mkdirSync(tmp);
    return { TMPDIR: tmp, XDG_RUNTIME_DIR: tempDir('ollm-xdg-') };
  };
  /** The user's whole environment (the test's, less its ollm-mcp and Ollama variables) with `over`. */
  const whole = (over: Record<string, string>) => ({
    ...(Object.fromEntries(
      Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^(OLLM|OLLAMA)_/.test(k)),
    ) as Record<string, string>),
    ...over,
  });

  it(
    'a launch with the whole environment and a 60-character TMPDIR, and one with the SDK default ' +
      'environment, meet one shared server, which alone claims the engine',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      state.runtimes.push(runtime);
      const home = user(`ollama:\n  host: ${state.fake.host}\nshared:\n  idleSeconds: 30\n`);
      // what the test stands in for the machine's runtime folder and /tmp: every launch has it, as every launch of a
      // user has /run/user/<uid>
      const machine = { OLLM_TEST_RUNTIME_DIR: runtime, OLLM_TEST_LAST_RESORT: runtimeDir(), OLLM_SHARED: '1' };
      const away = elsewhere();
      const launch = async (name: string, entryEnv: Record<string, string>) => {
        const l = await sharedLaunch({ home, ollamaHost: '', runtime, cwd: home, name, entryEnv });
        state.launches.push(l);
        return l;
      };
      const code = await launch('claude-code', whole({ ...machine, ...away, HOME: home }));
      // the SDK's default environment (HOME, LOGNAME, PATH, SHELL, TERM, USER) and the entry's own variables
      const desktop = await launch('claude-ai', { ...machine, HOME: home });
      const pid = servedBy(code);
      expect(pid).toBeGreaterThan(0);
      expect(servedBy(desktop)).toBe(pid);
      expect(code.stderr()).toContain(`at ${socketDir(runtime)}/`);
      expect((await call(desktop, 'smart_load', { model: 'llama3.2' })).isError).toBe(false);
      expect((await call(code, 'list_models', {})).isError).toBe(false);
      expect(claimants(runtime)).toEqual([pid]);
      // nothing was made where the whole environment pointed
      for (const dir of [away.TMPDIR, away.XDG_RUNTIME_DIR]) expect(readdirSync(dir)).toEqual([]);
      await call(code, 'unload_model', { model: 'llama3.2' });
    },
  );

  it(
    'launches of other settings and environments: two servers, one plan of the engine — the second ' +
      'relays through the first',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      state.runtimes.push(runtime);
      const machine = { OLLM_TEST_RUNTIME_DIR: runtime, OLLM_TEST_LAST_RESORT: runtimeDir(), OLLM_SHARED: '1' };
      const a = user(`ollama:\n  host: ${state.fake.host}\nshared:\n  idleSeconds: 30\n`);
      const b = user(`ollama:\n  host: ${state.fake.host}\nshared:\n  idleSeconds: 30\nram:\n  budget: 20GB\n`);
      const launch = async (home: string, name: string, entryEnv: Record<string, string>) => {
        const l = await sharedLaunch({ home, ollamaHost: '', runtime, cwd: home, name, entryEnv });
        state.launches.push(l);
        return l;
      };
      const code = await launch(a, 'claude-code', whole({ ...machine, ...elsewhere(), HOME: a }));
      expect((await call(code, 'list_models', {})).isError).toBe(false); // its core made, and so its claim
      const desktop = await launch(b, 'claude-ai', { ...machine, HOME: b });
      const [pa, pb] = [servedBy(code), servedBy(desktop)];
      expect(pa).toBeGreaterThan(0);
      expect(pb).toBeGreaterThan(0);
      expect(pb).not.toBe(pa);
      expect((await call(desktop, 'list_models', {})).isError).toBe(false);
      expect(claimants(runtime)).toEqual([pa]);
      expect((await call(desktop, 'show_status', {})).text).toContain(`planned by ollm-mcp process ${pa}`);
      // `ollm-mcp shared` and doctor, from a third environment of the user's, say which server plans the engine
      const cli = { ...machine, HOME: b, OLLM_HOME: join(b, '.ollm') };
      const listed = JSON.parse((await run(['shared', '--json'], cli)).stdout) as {
        servers: Array<{ pid: number }>;
        engines: Array<{ engine: string; plannedBy: number }>;
      };
      expect(listed.servers.map((x) => x.pid).sort()).toEqual([pa, pb].sort());
      expect(listed.engines).toEqual([
        { engine: expect.stringMatching(/^ollama http:\/\/loopback:\d+$/), plannedBy: pa },
      ]);
      expect((await run(['shared'], cli)).stdout).toMatch(
        new RegExp(`ollama http://loopback:\\d+: planned by pid ${pa}; every other server of yours reaching it goes`),
      );
      const doctor = JSON.parse((await run(['doctor', '--json'], cli)).stdout) as {
        checks: Array<{ name: string; detail: string }>;
      };
      expect(doctor.checks.find((c) => c.name === 'engine plans')?.detail).toContain(`planned by pid ${pa}`);
    },
  );
});
