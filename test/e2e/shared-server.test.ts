// Many stdio clients, one shared server (issue 43, item 1): each launch forwards to the one server
// of this user, version and settings — a detached process of its own (issue 55), started by the
// first launch — which plans memory with every client's requests and pins in view, while each
// client keeps its own folder and project. The idle exit and a suspended server wait real
// seconds: shared-server.slow.test.ts.
import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect as connectSocket } from 'node:net';
import { run, tempHome } from '../helpers/spawn.js';
import {
  isRunning,
  runtimeDir,
  servedBy,
  sharedLaunch,
  sharedPids,
  socketDir,
  socketFiles,
  stopShared,
  type SharedLaunch,
} from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';
import { askWho } from '../../src/server/shared/who.js';

// A 6 GB budget: llama3.2 (2 GB) pinned leaves too little for qwen2.5-coder:7b (4.7 GB) beside it.
const YAML = 'ram:\n  budget: 6GB\n  bufferBytes: 0\nmodel:\n  keepAlive:\n    timeout: 10m\n';

let fake: FakeOllama;
const launches: SharedLaunch[] = [];
const runtimes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
});
afterEach(async () => {
  await Promise.all(launches.splice(0).map((l) => l.close()));
  for (const r of runtimes.splice(0)) stopShared(r);
  fake.resetStats();
});
afterAll(async () => {
  await fake?.stop();
});

const setup = (shared = true, more: Record<string, string> = {}) => {
  const runtime = runtimeDir();
  runtimes.push(runtime);
  const home = tempHome(YAML);
  const launch = async (name: string, cwd = home, args: string[] = []) => {
    const l = await sharedLaunch({
      home,
      ollamaHost: fake.host,
      runtime,
      cwd,
      name,
      args,
      env: { ...(shared ? {} : { OLLM_SHARED: '0' }), ...more },
    });
    launches.push(l);
    return l;
  };
  return { runtime, home, launch };
};

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    out: res.structuredContent as Record<string, unknown>,
    text: (res.content as Array<{ text: string }>)[0]!.text,
  };
};
/**
 * B's route call held at the engine for `latencyMs` while `during` runs (the latency put back
 * after); `generates` counts the engine's /api/generate requests, `before` as the call began.
 */
async function callHeld(
  b: SharedLaunch,
  latencyMs: number,
  during: (held: { running: ReturnType<typeof call>; generates: () => number; before: number }) => Promise<void>,
): Promise<void> {
  fake.setLatency('/api/generate', latencyMs);
  try {
    const generates = () => fake.requests.filter((r) => r.path === '/api/generate').length;
    const before = generates();
    const running = call(b, 'route_and_generate', { prompt: 'Say hi.', model: 'llama3.2' });
    await expect.poll(generates).toBe(before + 1);
    await during({ running, generates, before });
  } finally {
    fake.setLatency('/api/generate', 0);
  }
}
const fleet = async (l: SharedLaunch) =>
  JSON.parse(((await l.client.readResource({ uri: 'ollm://fleet' })).contents[0] as { text: string }).text) as {
    clients?: Array<{ name: string; pid: number; cwd: string }>;
  };

describe('the shared server', () => {
  it(
    'the first launch starts the shared server, a process of its own, the second forwards to ' +
      'it, and ollm://fleet lists both clients',
    async () => {
      const { runtime, launch } = setup();
      const a = await launch('client-a');
      const b = await launch('client-b');
      // no client's process serves: a detached daemon does
      const [server] = sharedPids(runtime);
      expect(sharedPids(runtime)).toHaveLength(1);
      expect([a.pid, b.pid]).not.toContain(server);
      expect(a.stderr()).toContain(`forwarding stdio to the shared server ${server}`);
      expect(b.stderr()).toContain(`forwarding stdio to the shared server ${server}`);
      const seen = await fleet(b);
      expect(seen.clients?.map((c) => c.name).sort()).toEqual(['client-a', 'client-b']);
    },
  );

  it(
    'a client suspended (Ctrl-Z, a debugger) stops only itself: the other client is answered, ' +
      'and a new launch is served by the same server',
    async () => {
      const { runtime, launch } = setup();
      const a = await launch('client-a');
      const b = await launch('client-b');
      const [server] = sharedPids(runtime);
      process.kill(a.pid, 'SIGSTOP');
      try {
        const answered = await call(b, 'remember', { key: 'editor', value: 'helix' });
        expect(answered.isError, answered.text).toBe(false);
        const c = await launch('client-c');
        expect(c.stderr()).toContain(`forwarding stdio to the shared server ${server}`);
        expect((await call(c, 'recall', { query: 'editor' })).text).toContain('helix');
      } finally {
        process.kill(a.pid, 'SIGCONT');
      }
    },
  );

  it(
    'a client whose launch leaves changes nothing for the other: its call in flight is answered ' +
      'by the same server, once',
    async () => {
      const { runtime, launch } = setup();
      const a = await launch('client-a');
      const b = await launch('client-b');
      const [server] = sharedPids(runtime);
      await call(b, 'smart_load', { model: 'llama3.2' }); // loaded first: the call's one /api/generate is its answer
      await callHeld(b, 1000, async ({ running, generates, before }) => {
        await a.close();
        await expect.poll(() => isRunning(a.pid), { timeout: 5000 }).toBe(false);
        const answered = await running;
        expect(answered.isError, answered.text).toBe(false);
        expect(generates()).toBe(before + 1); // answered where it ran, not sent again
      });
      expect(sharedPids(runtime)).toEqual([server]);
      expect((await fleet(b)).clients?.map((c) => c.name)).toEqual(['client-b']);
      await call(b, 'unload_model', { all: true });
    },
  );

  it("the socket folder is 0700, the socket 0600, and both are the user's", async () => {
    const { runtime, launch } = setup();
    await launch('client-a');
    const dir = statSync(socketDir(runtime));
    expect(dir.mode & 0o777).toBe(0o700);
    expect(dir.uid).toBe(process.getuid!());
    const sock = socketFiles(runtime).find((f) => f.endsWith('.sock'))!;
    // a hash of the release and key: short, whatever the folder (issue 80, finding 2)
    expect(sock).toMatch(/^[0-9a-f]{20}\.sock$/);
    expect(statSync(join(socketDir(runtime), sock)).mode & 0o777).toBe(0o600);
  });

  it('a socket folder open to others is never used: the launch serves on its own and says why', async () => {
    const { runtime, launch } = setup();
    mkdirSync(socketDir(runtime), { mode: 0o755 });
    const { chmodSync } = await import('node:fs');
    chmodSync(socketDir(runtime), 0o755);
    const a = await launch('client-a');
    expect((await call(a, 'recall', { query: 'x' })).isError).toBe(false);
    expect(a.stderr()).toMatch(/open to other users \(mode 755\).*serving on its own/);
    expect(socketFiles(runtime)).toEqual([]);
  });

  it("a pin made by one client holds against another client's load", async () => {
    const { launch } = setup();
    const a = await launch('client-a');
    const b = await launch('client-b');
    expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({
      action: 'loaded',
      pinned: true,
    });
    await call(b, 'smart_load', { model: 'qwen2.5-coder:7b' });
    expect(fake.loaded().map((m) => m.name)).toContain('llama3.2:latest');
    expect(fake.stats().forcedEvictions).toEqual([]);
    await call(a, 'unload_model', { model: 'llama3.2' });
  });

  // issue 57 item 0: servers apart (here --no-shared; other settings or builds alike) leave the engine's plan
  // to the first
  it(
    'with the shared server off, the pin still holds: the second server leaves the engine to ' +
      'the first, which claimed it',
    async () => {
      const { runtime, launch } = setup(false);
      const a = await launch('client-a');
      expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({
        action: 'loaded',
        pinned: true,
      });
      const b = await launch('client-b');
      expect(sharedPids(runtime)).toEqual([]);
      expect(socketFiles(runtime).filter((f) => /^engine-[0-9a-f]{16}\.json$/.test(f))).toHaveLength(1);
      // b's load is the planner's to make (issue 75, finding 8): a's plan keeps its pin, and within the 6 GB budget
      // says qwen2.5-coder does not fit beside it — as a's own smart_load would, and nothing is loaded over the budget
      const load = await call(b, 'smart_load', { model: 'qwen2.5-coder:7b' });
      expect(load.isError).toBe(true);
      expect(load.text).toMatch(
        /refused smart_load for "qwen2\.5-coder:7b": Not loading qwen2\.5-coder:7b: it does not fit/,
      );
      expect(fake.loaded().map((m) => m.name)).toEqual(['llama3.2:latest']);
      expect(fake.stats().forcedEvictions).toEqual([]);
      const r = await call(b, 'route_and_generate', { prompt: 'Say hi.', model: 'llama3.2', maxTokens: 8 });
      expect(r.isError, r.text).toBe(false);
      expect(a.stderr()).toMatch(/this server plans its memory/);
      await call(a, 'unload_model', { model: 'llama3.2' });
      await call(a, 'unload_model', { all: true });
      expect(fake.loaded()).toEqual([]);
    },
  );

  it('with the shared server and engine claims off, the same calls lose the pin: what the claim prevents', async () => {
    const { runtime, launch } = setup(false, { OLLM_ENGINE_CLAIMS: '0' });
    const a = await launch('client-a');
    const b = await launch('client-b');
    expect(sharedPids(runtime)).toEqual([]);
    expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({
      action: 'loaded',
      pinned: true,
    });
    await call(b, 'smart_load', { model: 'qwen2.5-coder:7b' });
    expect(fake.loaded().map((m) => m.name)).not.toContain('llama3.2:latest');
    await call(b, 'unload_model', { all: true });
  });

  it("each client's folder and --project are its own: relative paths resolve there", async () => {
    const { runtime, home, launch } = setup();
    const x = tempDir('ollm-x-');
    const y = tempDir('ollm-y-');
    writeFileSync(join(x, 'notes.txt'), 'X-FOLDER-MARK\n');
    writeFileSync(join(y, 'notes.txt'), 'Y-PROJECT-MARK\n');
    mkdirSync(join(y, '.ollm'));
    writeFileSync(join(y, '.ollm', 'project.yaml'), 'systemPrompt: Answer as the Y project does.\n');
    const a = await launch('client-a', x);
    const b = await launch('client-b', home, ['--project', y]);
    expect(sharedPids(runtime)).toHaveLength(1);
    const before = fake.requests.length;
    const ra = await call(a, 'route_and_generate', {
      prompt: 'Say what the notes hold.',
      model: 'llama3.2',
      files: ['notes.txt'],
    });
    expect(ra.isError, ra.text).toBe(false);
    const sentA = JSON.stringify(fake.requests.slice(before).map((r) => r.body));
    expect(sentA).toContain('X-FOLDER-MARK');
    expect(sentA).not.toContain('Y-PROJECT-MARK');
    const mid = fake.requests.length;
    const rb = await call(b, 'route_and_generate', {
      prompt: 'Say what the notes hold.',
      model: 'llama3.2',
      files: ['notes.txt'],
    });
    expect(rb.isError, rb.text).toBe(false);
    const sentB = JSON.stringify(fake.requests.slice(mid).map((r) => r.body));
    expect(sentB).toContain('Y-PROJECT-MARK');
    expect(sentB).not.toContain('X-FOLDER-MARK');
    // the project's system prompt is B's alone
    expect(sentB).toContain('Answer as the Y project does.');
    expect(sentA).not.toContain('Answer as the Y project does.');
  });

  it(
    'the shared server killed: the launches start the next one, the call in flight runs again ' +
      'there, and an acknowledged remember survives',
    async () => {
      const { runtime, launch } = setup();
      const a = await launch('client-a');
      const b = await launch('client-b');
      const [first] = sharedPids(runtime);
      expect((await call(b, 'remember', { key: 'editor', value: 'helix' })).isError).toBe(false);
      await callHeld(b, 800, async ({ running, generates, before }) => {
        process.kill(first!, 'SIGKILL');
        const answered = await running;
        expect(answered.isError, answered.text).toBe(false);
        expect(generates()).toBe(before + 2); // sent again, to the next server
      });
      const recalled = await call(b, 'recall', { query: 'editor' });
      expect(recalled.isError, recalled.text).toBe(false);
      expect(recalled.text).toContain('helix');
      const next = sharedPids(runtime);
      expect(next).toHaveLength(1);
      expect([first, a.pid, b.pid]).not.toContain(next[0]);
      expect((await call(a, 'recall', { query: 'editor' })).text).toContain('helix');
      await call(b, 'unload_model', { all: true });
    },
  );

  it(
    'a lock naming a live process that is no shared server (a pid reused after a crash) is ' +
      'taken over: the launch is served by a shared server at once',
    async () => {
      const { runtime, home, launch } = setup();
      const probe = await launch('probe');
      const [server] = sharedPids(runtime);
      const lock = socketFiles(runtime).find((f) => f.endsWith('.lock'))!;
      await probe.close();
      process.kill(server!, 'SIGKILL');
      await expect.poll(() => isRunning(server!), { timeout: 5000 }).toBe(false);
      // the crash left the lock; its pid now names a live program that is no server (this test's process), since long ago
      writeFileSync(join(socketDir(runtime), lock), String(process.pid));
      const long = new Date(Date.now() - 3_600_000);
      utimesSync(join(socketDir(runtime), lock), long, long);
      const a = await launch('client-a', home);
      expect(a.stderr()).not.toMatch(/serving on its own/);
      const [next] = sharedPids(runtime);
      expect(next).not.toBe(process.pid);
      expect(a.stderr()).toContain(`forwarding stdio to the shared server ${next}`);
      expect((await fleet(a)).clients?.map((c) => c.name)).toEqual(['client-a']);
    },
  );

  // issue 55, finding 6: it exited 1 with a stack trace. The last resort (/tmp) is the test's own folder
  // (OLLM_TEST_LAST_RESORT): the real /tmp/ollm-mcp-<uid> is never made, nor met (another run's, a developer's)
  it(
    'a runtime and a temporary folder that are files: the launch is served all the same, ' +
      'through the last resort, with no stack trace',
    async () => {
      const home = tempHome(YAML);
      const file = join(tempDir('ollm-tmpfile-'), 'not-a-folder');
      writeFileSync(file, 'x');
      const last = runtimeDir(); // short: a socket path must stay under ~100 bytes
      const l = await sharedLaunch({
        home,
        ollamaHost: fake.host,
        runtime: file,
        cwd: home,
        name: 'client-a',
        env: { TMPDIR: file, OLLM_TEST_LAST_RESORT: last },
      });
      launches.push(l);
      const server = servedBy(l);
      try {
        expect((await call(l, 'remember', { key: 'editor', value: 'helix' })).isError).toBe(false);
        expect(l.stderr()).not.toMatch(/\n\s+at /); // no stack trace
        expect(server).toBeGreaterThan(0); // served by the shared server, not on its own
        expect(l.stderr()).toContain(`forwarding stdio to the shared server ${server} at ${socketDir(last)}/`);
        expect(sharedPids(last)).toEqual([server]);
      } finally {
        await l.close();
        if (server > 0) process.kill(server, 'SIGTERM');
        await expect.poll(() => server > 0 && isRunning(server), { timeout: 20_000, interval: 50 }).toBe(false);
      }
    },
  );

  it('doctor says who is connected to the shared server', async () => {
    const { runtime, home, launch } = setup();
    const a = await launch('client-a');
    await launch('client-b');
    const r = await run(['doctor', '--json'], {
      OLLM_HOME: home,
      OLLAMA_HOST: fake.host,
      OLLM_SHARED: '1',
      OLLM_TEST_RUNTIME_DIR: runtime,
    });
    const check = (JSON.parse(r.stdout) as { checks: Array<{ name: string; detail: string }> }).checks.find(
      (c) => c.name === 'shared server',
    )!;
    expect(check.detail).toMatch(new RegExp(`pid ${sharedPids(runtime)[0]}.*2 clients connected`));
    expect(check.detail).toContain('client-a 1.0.0');
    expect(check.detail).toContain('client-b 1.0.0');
    expect(check.detail).toContain(`pid ${a.pid}`);
  });

  it('refuses a launch of another version or another build, saying so', async () => {
    const { runtime, launch } = setup();
    await launch('client-a');
    const sock = socketFiles(runtime).find((f) => f.endsWith('.sock'))!;
    const { version, build, key } = (await askWho(join(socketDir(runtime), sock)))!;
    const hello = (fields: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const s = connectSocket(join(socketDir(runtime), sock));
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.includes('\n')) s.destroy(); // the answer: a session that was taken is left at once
        });
        s.on('close', () => resolve(got.split('\n')[0]!));
        s.on('error', reject);
        s.write(
          `${JSON.stringify({ ollm: 'hello', version, build, key, pid: process.pid, cwd: runtime, toolsets: ['all'], defaultProfile: 'general', ...fields })}\n`,
        );
      });
    expect(JSON.parse(await hello({ version: '9.9.9' }))).toEqual({
      ollm: 'refused',
      why: expect.stringMatching(/shared server is ollm-mcp \S+, the launch 9\.9\.9/),
    });
    expect(JSON.parse(await hello({ build: 'bbbbbbbbbbbb' }))).toEqual({
      ollm: 'refused',
      why: `this shared server is build ${build} of ollm-mcp ${version}, the launch build bbbbbbbbbbbb`,
    });
    // its own version and build: taken
    expect(JSON.parse(await hello({}))).toEqual({ ollm: 'ok', pid: sharedPids(runtime)[0] });
  });

  // the GPU host's memory is told to the planner as a remote machine's would be (bench/shared.ts)
  const hosts = [
    { label: 'a CPU host', fake: { memoryBytes: 12e9 }, yaml: 'ram:\n  budget: 9GB\n  bufferBytes: 0\n' },
    {
      label: 'a GPU host',
      fake: { memoryBytes: 64e9, gpus: [{ vramBytes: 12e9 }] },
      yaml: 'ram:\n  budget: 9GB\n  bufferBytes: 0\nollama:\n  capacity:\n    ram: 64GB\n    vram: 12GB\n',
    },
  ];
  it.each(hosts)(
    'four launches at once on $label, each naming its model, make the engine evict nothing and retry no load',
    { timeout: 60_000 },
    async ({ fake: host, yaml }) => {
      const cpu = await FakeOllama.start({ ...host, tokenDelayMs: 2, loadDelayMs: 100 });
      const runtime = runtimeDir();
      runtimes.push(runtime);
      const home = tempHome(yaml);
      try {
        const models = ['llama3.2', 'qwen2.5-coder:7b', 'llava:7b', 'phi3:mini'];
        const four = await Promise.all(
          models.map((_, i) =>
            sharedLaunch({ home, ollamaHost: cpu.host, runtime, cwd: home, name: `client-${i}` }).then(
              (l) => (launches.push(l), l),
            ),
          ),
        );
        expect(sharedPids(runtime)).toHaveLength(1);
        const results = await Promise.all(
          four.map(async (l, i) => {
            const out = [];
            for (let k = 0; k < 3; k++)
              out.push(
                await call(l, 'route_and_generate', {
                  prompt: `call ${k}`,
                  model: models[i],
                  useMemory: false,
                  maxTokens: 8,
                }),
              );
            return out;
          }),
        );
        expect(
          results
            .flat()
            .filter((r) => r.isError)
            .map((r) => r.text),
        ).toEqual([]);
        expect(cpu.stats().forcedEvictions).toEqual([]);
        expect(cpu.stats().loadRetries).toEqual([]);
        expect(cpu.stats().refusedLoads).toEqual([]);
      } finally {
        await Promise.all(launches.splice(0).map((l) => l.close()));
        await cpu.stop();
      }
    },
  );
});
