// One plan per engine on one machine (issue 57 item 0): launches whose settings differ (another
// OLLM_HOME) get shared servers of their own; the first to use the engine claims it, the second
// leaves the engine's plan to it — its loads and generations go through the first, so a pin of the
// first holds and nothing is forced on the engine — and the first's records name the second's
// agent (`local/<agent>`). When the first goes away, the second's next call takes the engine over.
import { lstatSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, specTypeSchemas, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { claimFile, engineKey } from '../../src/server/shared/claim-record.js';
import { proves } from '../../src/server/shared/claim-proof.js';
import {
  isRunning,
  launcherIn,
  runtimeDir,
  serverLog,
  servedBy,
  sharedFixture,
  sharedPids,
  socketDir,
  type SharedLaunch,
} from '../helpers/shared.js';

const state = sharedFixture();

const call = async (l: SharedLaunch, name: string, args: Record<string, unknown>) => {
  const res = await l.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Record<string, unknown>,
  };
};

/** The engine claims in the runtime folder: file name → the pid it names. */
function claims(runtime: string): Map<string, number> {
  const dir = socketDir(runtime);
  const out = new Map<string, number>();
  for (const f of readdirSync(dir).filter((n) => /^engine-[0-9a-f]{16}\.json$/.test(n)))
    out.set(f, (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number }).pid);
  return out;
}

/** The one engine claim in the runtime folder: its endpoint and token. */
function heldClaim(runtime: string): { url: string; token: string; pid: number } {
  const [file] = [...claims(runtime).keys()];
  return JSON.parse(readFileSync(join(socketDir(runtime), file!), 'utf8')) as {
    url: string;
    token: string;
    pid: number;
  };
}

/** Two settings on one machine: two homes (the second with other settings), one runtime folder. */
async function twoSettings() {
  const runtime = runtimeDir();
  const launch = launcherIn(state, runtime);
  const a = await launch('agent-a', 'shared:\n  idleSeconds: 30\n');
  // its core made (and so its claim): the first call
  expect((await call(a, 'smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({ pinned: true });
  const b = await launch('agent-b', 'shared:\n  idleSeconds: 30\nmodel:\n  routing:\n    defaultProfile: fast\n');
  return { runtime, a, b };
}

describe('two shared servers of other settings on one machine, one engine', () => {
  it(
    "the second leaves the engine's plan to the first: the first's pin holds, nothing is forced " +
      "on the engine, and the first names the second's agent",
    { timeout: 60_000 },
    async () => {
      const { runtime, a, b } = await twoSettings();
      const [pa, pb] = [servedBy(a), servedBy(b)];
      expect(pa).toBeGreaterThan(0);
      expect(pb).toBeGreaterThan(0);
      expect(pb).not.toBe(pa);
      expect(sharedPids(runtime).sort()).toEqual([pa, pb].sort());
      state.fake.resetStats();
      // with the first's pin, more models than the engine keeps loaded at once (3 on a CPU), each named by
      // the second server's client
      for (const model of ['qwen2.5-coder:7b', 'llava:7b', 'phi3:mini']) {
        const r = await call(b, 'route_and_generate', { prompt: 'Say hi.', model, maxTokens: 8, useMemory: false });
        expect(r.isError, r.text).toBe(false);
        expect(r.out, r.text).toMatchObject({ model });
      }
      expect(state.fake.loaded().map((m) => m.name)).toContain('llama3.2:latest');
      expect(state.fake.stats().forcedEvictions).toEqual([]);
      // one claim, the first server's; the second said it leaves the engine to it
      expect([...claims(runtime).values()]).toEqual([pa]);
      // its endpoint: loopback only, proven by a challenge only its token answers, naming its process
      const held = heldClaim(runtime);
      expect(held.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      expect(await proves({ url: held.url, token: held.token, pid: pa })).toBe(true);
      expect(await proves({ url: held.url, token: 'y'.repeat(64), pid: pa })).toBe(false);
      expect(await proves({ url: held.url, token: held.token, pid: pb })).toBe(false);
      expect((await fetch(held.url, { headers: { authorization: `Bearer ${held.token}` } })).status).toBe(405);
      expect((await fetch(held.url, { headers: { authorization: `Bearer ${'x'.repeat(64)}` } })).status).toBe(401);
      expect(
        (
          await fetch(held.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: '{}',
          })
        ).status,
      ).toBe(401);
      expect(serverLog(runtime, pa)).toMatch(/this server plans its memory/);
      // the first server's records name the second's agent, relayed through the claim's token
      const metrics = JSON.parse(
        ((await a.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
      ) as { agents: Array<{ agent: string; requests: number; offloaded: number }> };
      expect(metrics.agents.find((x) => x.agent === 'local/agent-b')).toMatchObject({ requests: 3 });
      // ...and keep no job or ledger line of theirs: the second server runs each as its client's job and
      // keeps its client's
      // ledger (a box reached by a named token keeps its own: team-box.test.ts)
      expect(metrics.agents.find((x) => x.agent === 'local/agent-b')).toMatchObject({ offloaded: 0 });
      const theirs = JSON.parse(
        ((await b.client.readResource({ uri: 'ollm://metrics' })).contents[0] as { text: string }).text,
      ) as { agents: Array<{ agent: string; offloaded: number }> };
      expect(theirs.agents.find((x) => x.agent === 'agent-b')).toMatchObject({ offloaded: 3 });
      // the second server shows the engine as planned by the first
      const status = await call(b, 'show_status', {});
      expect(status.text).toContain(`planned by ollm-mcp process ${pa}`);
      await call(a, 'unload_model', { model: 'llama3.2' });
    },
  );

  it(
    'a planner killed and its port bound by another program: the next server sends that program ' +
      'neither the token nor a prompt, and takes the engine over',
    { timeout: 90_000 },
    async () => {
      const runtime = runtimeDir();
      const launch = launcherIn(state, runtime);
      const a = await launch('agent-a', 'shared:\n  idleSeconds: 30\n');
      expect((await call(a, 'list_models', {})).isError).toBe(false); // its core made, and so its claim
      const pa = servedBy(a);
      expect([...claims(runtime).values()]).toEqual([pa]);
      const held = heldClaim(runtime);
      await a.close();
      process.kill(pa, 'SIGKILL'); // no clean exit: its claim stays behind, its endpoint gone
      for (const until = Date.now() + 10_000; isRunning(pa) && Date.now() < until;)
        await new Promise((r) => setTimeout(r, 50));
      // any local program may bind the freed port: this one answers 200 {} to anything and keeps what it is sent
      const got: string[] = [];
      const squatter = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on(
          'end',
          () => (
            got.push(JSON.stringify(req.headers) + body),
            res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
          ),
        );
      });
      await new Promise<void>(
        (resolve, reject) => (
          squatter.once('error', reject),
          squatter.listen(Number(new URL(held.url).port), '127.0.0.1', resolve)
        ),
      );
      try {
        // the next server of the user (other settings): it reads the dead server's claim
        const c = await launch('agent-c', 'shared:\n  idleSeconds: 30\nmodel:\n  routing:\n    defaultProfile: fast\n');
        const pc = servedBy(c);
        const r = await call(c, 'route_and_generate', {
          prompt: 'A secret prompt.',
          model: 'phi3:mini',
          maxTokens: 8,
          useMemory: false,
        });
        expect(got.filter((x) => x.includes(held.token) || x.includes('A secret prompt.'))).toEqual([]);
        expect(got).toEqual([]); // its process gone, the dead claim's port is not even asked
        expect(r.isError, r.text).toBe(false);
        expect(r.out).toMatchObject({ model: 'phi3:mini' });
        expect(r.text).not.toContain('5 tokens'); // not the squatter's answer, labelled as the model's
        expect([...claims(runtime).values()]).toEqual([pc]);
        expect(serverLog(runtime, pc)).toMatch(
          /does not hold \(it does not prove its token, or the process is gone\): taken over/,
        );
        expect((await call(c, 'show_status', {})).text).not.toContain('planned by ollm-mcp process');
      } finally {
        squatter.closeAllConnections();
        squatter.close();
      }
    },
  );

  it("the first gone, the second's next call takes the engine over and is answered", { timeout: 60_000 }, async () => {
    const { runtime, a, b } = await twoSettings();
    const [pa, pb] = [servedBy(a), servedBy(b)];
    expect([...claims(runtime).values()]).toEqual([pa]);
    await a.close();
    process.kill(pa, 'SIGKILL'); // no clean exit: its claim stays behind, its endpoint gone
    const r = await call(b, 'route_and_generate', {
      prompt: 'Say hi.',
      model: 'phi3:mini',
      maxTokens: 8,
      useMemory: false,
    });
    expect(r.isError, r.text).toBe(false);
    expect([...claims(runtime).values()]).toEqual([pb]);
    expect(serverLog(runtime, pb)).toMatch(
      /does not hold \(it does not prove its token, or the process is gone\): taken over/,
    );
    const status = await call(b, 'show_status', {});
    expect(status.text).not.toContain('planned by ollm-mcp process');
  });

  it(
    'a FIFO where the claim goes: the first call of a new server answers, and the server claims the engine',
    { timeout: 60_000 },
    async () => {
      const runtime = runtimeDir();
      mkdirSync(socketDir(runtime), { recursive: true, mode: 0o700 });
      const fifo = claimFile(socketDir(runtime), engineKey('ollama', `http://${state.fake.host}`));
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const a = await launcherIn(state, runtime)('agent-a', 'shared:\n  idleSeconds: 30\n');
      const r = await Promise.race([
        call(a, 'route_and_generate', { prompt: 'Say hi.', model: 'phi3:mini', maxTokens: 8, useMemory: false }),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no answer in 30 s: blocked on the FIFO')), 30_000).unref(),
        ),
      ]);
      expect(r.isError, r.text).toBe(false);
      expect(lstatSync(fifo).isFile()).toBe(true);
      expect([...claims(runtime).values()]).toEqual([servedBy(a)]);
    },
  );

  const OPENED = ['list_models', 'show_model', 'route_and_generate', 'show_status', 'unload_model', 'smart_load'];
  it(
    "the claim's token opens only what relayed calls need, the engine's status, unload and pin: never delete_model",
    {
      timeout: 60_000,
    },
    async () => {
      const { runtime, a } = await twoSettings();
      const held = heldClaim(runtime);
      expect(held.pid).toBe(servedBy(a));
      const client = new Client({ name: 'ollm-mcp', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(held.url), {
          requestInit: { headers: { authorization: `Bearer ${held.token}` } },
        }),
      );
      try {
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...OPENED].sort());
        // refused, whatever the call: the model stays installed
        const refused = await client.callTool({ name: 'delete_model', arguments: { model: 'phi3:mini' } }).then(
          (r) => ({ isError: r.isError === true, text: JSON.stringify(r.content) }),
          (err: Error) => ({ isError: true, text: err.message }),
        );
        expect(refused.isError).toBe(true);
        const served = `which serves the other ollm-mcp servers of this machine ${OPENED.join(', ')} only`;
        const endpoint = `Tool "delete_model" is not served here: this is an engine claim's endpoint`;
        expect(refused.text).toContain(`${endpoint}, ${served}.`);
        expect(refused.text).toContain('Call "delete_model" on your own ollm-mcp server.');
        const refusedTo = (name: string) =>
          client.callTool({ name, arguments: {} }).then(
            (r) => r.isError === true,
            () => true,
          );
        for (const name of ['pull_model', 'remember', 'forget', 'create_model', 'prefer_model'])
          await expect(refusedTo(name), name).resolves.toBe(true);
        expect(state.fake.requests.map((r) => `${r.method} ${r.path}`)).not.toContain('DELETE /api/delete');
        expect((await call(a, 'list_models', {})).text).toContain('phi3:mini');
        // what relayed calls need is still served
        const answer = await client.callTool({
          name: 'route_and_generate',
          arguments: { prompt: 'Say hi.', model: 'phi3:mini', maxTokens: 8, useMemory: false },
        });
        expect(answer.isError, JSON.stringify(answer.content)).not.toBe(true);
        expect(answer.structuredContent).toMatchObject({ model: 'phi3:mini' });
        expect((await client.listResources().catch(() => ({ resources: [] }))).resources).toEqual([]);
        // nor as a task, nor anything beside /mcp (the views, legacy SSE): a relayed call runs whole at /mcp
        const asTask = await client
          .request(
            {
              method: 'tools/call',
              params: {
                name: 'route_and_generate',
                arguments: { prompt: 'Say hi.', model: 'phi3:mini' },
                task: { ttl: 60_000 },
              },
            },
            specTypeSchemas.CreateTaskResult,
          )
          .then(
            () => 'served',
            (err: Error) => err.message,
          );
        expect(asTask).toContain('Tasks are not served here');
        const auth = { authorization: `Bearer ${held.token}` };
        for (const path of ['/', '/sse', '/views/status'])
          expect((await fetch(new URL(path, held.url), { headers: auth })).status, path).toBe(404);
      } finally {
        await client.close();
      }
    },
  );
});
