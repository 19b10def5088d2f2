// A forwarding launch answers the handshake a client makes at start — initialize, then
// tools/list — from the build's record of the built server's own answers (scripts/handshake.mjs,
// src/server/shared/handshake.ts), while the shared server is still being reached: a stand-in
// that takes the launch's connection and holds its hello keeps it from being reached, so the
// answers seen meanwhile can only be the record's. They are the bytes a server serving on its
// own sends; once the stand-in is gone (with the lock it holds meanwhile, as a server just started
// does), the launch starts the shared server and the session goes on
// there (its second answer to initialize is not passed on). Settings that offer other tools, or a protocol
// version the record
// lacks, are never answered from it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { runtimeDir, socketDir, socketFiles, stopShared } from '../helpers/shared.js';
import { CLI, serverEnv, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
const children: ChildProcessWithoutNullStreams[] = [];
const runtimes: string[] = [];
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
  for (const r of runtimes.splice(0)) stopShared(r);
});
afterAll(async () => {
  await fake?.stop();
});

interface Raw {
  send(message: Record<string, unknown>): void;
  /** Every message received, parsed. */
  got: Array<Record<string, unknown>>;
  stderr(): string;
  answer(id: number): Promise<Record<string, unknown>>;
}

/** The built server spawned with `args`, spoken to in raw JSON-RPC lines. */
function raw(home: string, runtime: string, args: string[] = []): Raw {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: home,
    env: serverEnv({ OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_SHARED: '1', OLLM_TEST_RUNTIME_DIR: runtime }),
  });
  children.push(child);
  const got: Array<Record<string, unknown>> = [];
  let text = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    text += d.toString();
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      got.push(JSON.parse(text.slice(0, nl)) as Record<string, unknown>);
      text = text.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    got,
    send: (m) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`),
    stderr: () => err,
    answer: async (id) => {
      await vi.waitFor(() => expect(got.some((m) => m.id === id)).toBe(true), { timeout: 20_000, interval: 20 });
      return got.find((m) => m.id === id)!;
    },
  };
}

const initialize = (protocolVersion: string) => ({
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion,
    capabilities: { roots: { listChanged: true } },
    clientInfo: { name: 'handshake-test', version: '1' },
  },
});

/** initialize and tools/list as a server serving on its own answers them. */
async function ownAnswers(home: string, protocolVersion: string) {
  const own = raw(home, runtimeDir(), ['--no-shared']);
  own.send(initialize(protocolVersion));
  const init = await own.answer(1);
  own.send({ method: 'notifications/initialized' });
  own.send({ id: 2, method: 'tools/list' });
  return { init, tools: await own.answer(2) };
}

/**
 * The socket the shared server of `home` listens at, taken by a stand-in that accepts launches and
 * holds their hello unanswered until released (then closes and gives the place up).
 */
async function standIn(
  home: string,
  runtime: string,
): Promise<{ held: Socket[]; release(): Promise<void>; refuse(): void }> {
  const first = raw(home, runtime);
  first.send(initialize(SUPPORTED_PROTOCOL_VERSIONS[0]!));
  await vi.waitFor(() => expect(first.stderr()).toMatch(/forwarding stdio to the shared server/), {
    timeout: 20_000,
    interval: 20,
  });
  const sock = socketFiles(runtime).find((f) => f.endsWith('.sock'))!;
  const lock = join(socketDir(runtime), sock.replace(/\.sock$/, '.lock'));
  children.splice(0).forEach((c) => c.kill());
  stopShared(runtime);
  await vi.waitFor(() => expect(socketFiles(runtime)).toEqual([]), { timeout: 10_000, interval: 20 });
  const held: Socket[] = [];
  // it answers `who` as the pid its lock names (a server, proven: lock.ts), and holds every hello
  const server: Server = createServer((s) => {
    s.once('data', (d: Buffer) => {
      if (d.toString().startsWith('{"ollm":"who"}'))
        s.end(`${JSON.stringify({ ollm: 'clients', pid: process.pid, version: '0', clients: [] })}\n`);
      else held.push(s);
    });
  });
  await new Promise<void>((r) => server.listen(join(socketDir(runtime), sock), r));
  // its lock: the daemons a launch starts when its hello goes unanswered find it proven, and leave it be
  writeFileSync(lock, String(process.pid));
  return {
    held,
    release: async () => {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of held) s.destroy();
      });
      rmSync(join(socketDir(runtime), sock), { force: true });
      rmSync(lock, { force: true });
    },
    refuse: () => {
      for (const s of held) s.end(`${JSON.stringify({ ollm: 'refused', why: 'a stand-in refusing' })}\n`);
    },
  };
}

/** A home (with `yaml`) whose shared server's place a stand-in holds, in a runtime folder of its own. */
async function held(yaml?: string) {
  const home = tempHome(yaml);
  const runtime = runtimeDir();
  runtimes.push(runtime);
  return { home, runtime, stand: await standIn(home, runtime) };
}

describe('the handshake of a forwarding launch', () => {
  // the newest and the oldest version the SDK speaks (scripts/handshake.mjs records each)
  it.each([SUPPORTED_PROTOCOL_VERSIONS[0]!, SUPPORTED_PROTOCOL_VERSIONS.at(-1)!])(
    'protocol %s: initialize and tools/list are answered before the shared server is reached, ' +
      'as the server answers them; the session then goes on there',
    { timeout: 60_000 },
    async (protocolVersion) => {
      const home = tempHome();
      const runtime = runtimeDir();
      runtimes.push(runtime);
      const own = await ownAnswers(home, protocolVersion);
      const stand = await standIn(home, runtime);
      const l = raw(home, runtime);
      l.send(initialize(protocolVersion));
      expect(await l.answer(1)).toEqual(own.init);
      l.send({ method: 'notifications/initialized' });
      l.send({ id: 2, method: 'tools/list' });
      expect(await l.answer(2)).toEqual(own.tools);
      // all the while, the launch was held at its hello: nothing reached a server
      expect(stand.held.length).toBeGreaterThan(0);
      expect(l.stderr()).not.toMatch(
        /forwarding stdio to the shared server|as the shared server at|serving on its own/,
      );
      l.send({ id: 3, method: 'tools/call', params: { name: 'recall', arguments: { query: 'anything' } } });
      await stand.release();
      const call = await l.answer(3);
      expect(call.error).toBeUndefined();
      // the place free, the launch starts the server
      expect(l.stderr()).toMatch(/forwarding stdio to the shared server/);
      // the shared server's own answer to the replayed initialize is not passed on
      expect(l.got.filter((m) => m.id === 1)).toHaveLength(1);
    },
  );

  it(
    'the shared server refusing the launch after the handshake was answered: the launch serves ' +
      'on its own, and the session goes on',
    { timeout: 60_000 },
    async () => {
      const { home, runtime, stand } = await held();
      const l = raw(home, runtime);
      l.send(initialize(SUPPORTED_PROTOCOL_VERSIONS[0]!));
      await l.answer(1);
      l.send({ method: 'notifications/initialized' });
      l.send({
        id: 2,
        method: 'tools/call',
        params: { name: 'remember', arguments: { key: 'deploy-target', value: 'staging-eu' } },
      });
      await vi.waitFor(() => expect(stand.held.length).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
      stand.refuse();
      const call = await l.answer(2);
      expect(call.error).toBeUndefined();
      expect((call.result as { isError?: boolean }).isError).toBeFalsy();
      expect(l.stderr()).toMatch(/refused this launch: a stand-in refusing — serving on its own/);
      l.send({ id: 3, method: 'tools/call', params: { name: 'recall', arguments: { query: 'deploy target' } } });
      expect(JSON.stringify((await l.answer(3)).result)).toContain('staging-eu');
      // its own server's answer to the replayed initialize is not passed on
      expect(l.got.filter((m) => m.id === 1)).toHaveLength(1);
      await stand.release();
    },
  );

  it(
    'settings that offer other tools: nothing is answered before the shared server is reached, which lists only those',
    { timeout: 60_000 },
    async () => {
      const { home, runtime, stand } = await held('toolsets: [memory]\n');
      const l = raw(home, runtime);
      l.send(initialize(SUPPORTED_PROTOCOL_VERSIONS[0]!));
      await vi.waitFor(() => expect(stand.held.length).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
      await new Promise((r) => setTimeout(r, 500));
      expect(l.got).toEqual([]);
      await stand.release();
      await l.answer(1);
      l.send({ method: 'notifications/initialized' });
      l.send({ id: 2, method: 'tools/list' });
      const names = ((await l.answer(2)).result as { tools: Array<{ name: string }> }).tools.map((t) => t.name).sort();
      expect(names).toEqual(['forget', 'recall', 'remember']);
    },
  );

  it(
    'a protocol version the record lacks is answered by the shared server, never from the record',
    { timeout: 60_000 },
    async () => {
      const { home, runtime, stand } = await held();
      const l = raw(home, runtime);
      l.send(initialize('2099-01-01'));
      await vi.waitFor(() => expect(stand.held.length).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
      await new Promise((r) => setTimeout(r, 500));
      expect(l.got).toEqual([]);
      await stand.release();
      expect(((await l.answer(1)).result as { protocolVersion: string }).protocolVersion).toBe(
        SUPPORTED_PROTOCOL_VERSIONS[0],
      );
    },
  );
});
