// One engine, several ollm-mcp servers on a machine (issue 57 item 0): engines/planned-elsewhere.ts
// sends an engine's calls to the engine itself while this server holds its claim, and through the
// server that holds it (the built server over HTTP here, in front of its own fake Ollama) while
// another does — lists, loads, generations and what it holds; disk-only calls (pull, delete) still
// straight — and when that server is gone, asks the claim again and sends the call once more.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { BOX_TOKEN, planningBox, type Box } from '../helpers/ollm-box.js';
import { OllamaBackend } from '../../src/orchestrator/engines/ollama/ollama.js';
import { plannedElsewhere, sharedOf, type Planner } from '../../src/orchestrator/engines/planned-elsewhere.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { EngineModel } from '../../src/orchestrator/engines/engine-model.js';
import { freePort } from '../helpers/llamacpp.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

let box: Box;
let own: FakeOllama;
planningBox((b, o) => ((box = b), (own = o)));
afterEach(() => own.requests.splice(0));

/**
 * A claim answering, in turn, the planners given (the last one from then on); this server holds it while
 * `held` says so.
 */
function claimOf(...answers: Array<Planner | undefined>) {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    held: true,
    planner: async () => answers[Math.min(asked++, answers.length - 1)],
    async holds() {
      return this.held;
    },
  };
}

/** The planning server: the box, its process alive. */
const boxPlanner = (): Planner => ({ url: `${box.origin}/mcp`, token: BOX_TOKEN, pid: box.server.child.pid! });
const names = (models: EngineModel[]) => models.map((m) => m.name).sort();
const sent = () => own.requests.map((r) => `${r.method} ${r.path}`);

function engine(
  claim: ReturnType<typeof claimOf>,
  more: { suspectMs?: number } = {},
): Engine & { shared: NonNullable<ReturnType<typeof sharedOf>> } {
  const direct = new OllamaBackend({ host: `http://${own.host}`, timeoutMs: 5000 });
  return plannedElsewhere(direct, claim, { name: 'ollama', timeoutMs: 5000, parallel: 1, ...more });
}

describe('an engine this server plans (it holds the claim)', () => {
  it('is the engine itself: its kind, its abilities, its list', async () => {
    const e = engine(claimOf(undefined));
    await e.shared.settle();
    expect(e.shared.plannedBy).toBeUndefined();
    expect(e.kind).toBe('ollama');
    expect(e.can.managesMemory).toBe(true);
    expect(names(await e.list())).toEqual(['phi3:mini']);
    expect(sent()).toContain('GET /api/tags');
  });
});

describe('an engine another server plans', () => {
  it('is reached through that server: its list, loaded models and answers; nothing planned here', async () => {
    const e = engine(claimOf(boxPlanner()));
    await e.shared.settle();
    expect(e.shared.plannedBy).toEqual(boxPlanner());
    expect(e.kind).toBe('ollm');
    expect(e.can.managesMemory).toBe(false);
    // the engine's own address and name stay (records, sizes and messages are the engine's)
    expect(e.host).toBe(own.host);
    expect(e.who).toBe(
      `the ollm-mcp server planning Ollama at ${own.host.replace(/^https?:\/\//, '')} (process ` +
        `${box.server.child.pid})`,
    );
    expect(names(await e.list())).toEqual(DEFAULT_MODELS.map((m) => m.name).sort());
    const seen: string[][] = [];
    e.onPs = (running) => seen.push(names(running));
    await e.ps();
    expect(seen).toHaveLength(1);
    // a load is the planning server's: nothing is sent to the engine from here
    expect(await e.load({ model: 'llama3.2:latest', keepAlive: '5m' })).toBeUndefined();
    await expect(e.unload('llama3.2:latest')).rejects.toMatchObject({ kind: 'not_supported' });
    let text = '';
    const done = await e.generate({
      model: 'llama3.2:latest',
      prompt: 'Say hi.',
      keepAlive: '5m',
      numCtx: 2048,
      maxTokens: 8,
      onDelta: (d) => void (text += d.text ?? ''),
    });
    expect(text).toContain('from the planning server');
    expect(done.doneReason).toBeDefined();
    expect(sent()).toEqual([]);
  });

  it('still pulls and deletes straight at the engine (its disk, not its memory)', async () => {
    const e = engine(claimOf(boxPlanner()));
    await e.shared.settle();
    expect(e.can.pullAndDelete).toBe(true);
    await e.delete('not-here:latest').catch(() => undefined); // refused by the engine itself, as it has no such model
    expect(sent()).toEqual(['DELETE /api/delete']);
  });
});

describe('the planning server gone', () => {
  it('the call that finds it gone asks the claim again, takes the engine over and is sent once more, to the engine', async () => {
    const port = await freePort(); // nothing listens there: the planner is gone
    const claim = claimOf({ url: `http://127.0.0.1:${port}/mcp`, token: 'x'.repeat(32), pid: process.pid }, undefined);
    const e = engine(claim);
    await e.shared.settle();
    expect(e.kind).toBe('ollm');
    const listed = await e.list();
    expect(names(listed)).toEqual(['phi3:mini']);
    expect(claim.asked).toBe(2);
    expect(e.shared.plannedBy).toBeUndefined();
    expect(e.kind).toBe('ollama');
    expect(e.can.managesMemory).toBe(true);
  });

  it("a refusal that is not the server being gone is the caller's: the claim is not asked again", async () => {
    const claim = claimOf(boxPlanner(), undefined);
    const e = engine(claim);
    await e.shared.settle();
    await expect(e.show('no-such-model:latest')).rejects.toMatchObject({ kind: 'model_not_found' });
    expect(claim.asked).toBe(1);
    expect(e.shared.plannedBy).toEqual(boxPlanner());
  });
});

/**
 * A loopback listener that is not ollm-mcp (a program bound to a dead planner's port): it records what it was
 * sent and answers `200 {}`, or nothing at all.
 */
async function stranger(answer: 'ok' | 'never') {
  const got: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      if (answer === 'ok') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  strangers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, got };
}
const strangers: http.Server[] = [];
afterEach(() => {
  for (const s of strangers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});
/** A pid no process has now: a child's, after it exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;
const generate = (e: Engine, onText: (t: string) => void = () => undefined) =>
  e.generate({
    model: 'phi3:mini',
    prompt: 'Say hi.',
    keepAlive: '5m',
    numCtx: 2048,
    maxTokens: 8,
    onDelta: (d) => void onText(d.text ?? ''),
  });

describe("a dead planner's port, bound by another program", () => {
  it('gets neither the token nor the prompt: the call settles the claim again and goes to the engine', async () => {
    const other = await stranger('ok');
    const claim = claimOf({ url: other.url, token: 'secret-claim-token-0123456789abcdef', pid: deadPid() }, undefined);
    const e = engine(claim);
    await e.shared.settle();
    expect(e.kind).toBe('ollm');
    let text = '';
    await generate(e, (t) => (text += t));
    expect(other.got).toEqual([]);
    expect(text.length).toBeGreaterThan(0);
    expect(sent()).toContain('POST /api/generate');
    expect(claim.asked).toBe(2);
    expect(e.shared.plannedBy).toBeUndefined();
  });

  it('a live planner is still sent its calls (the check lets its process through)', async () => {
    const e = engine(claimOf(boxPlanner()));
    await e.shared.settle();
    expect(names(await e.list())).toEqual(DEFAULT_MODELS.map((m) => m.name).sort());
    expect(sent()).toEqual([]);
  });
});

describe('a planner that stops answering (stopped, hung)', () => {
  it('a call without an answer has the claim proven again: taken over, the call is sent once, to the engine', async () => {
    const hung = await stranger('never');
    const claim = claimOf({ url: hung.url, token: 'x'.repeat(32), pid: process.pid }, undefined);
    const e = engine(claim, { suspectMs: 200 });
    await e.shared.settle();
    const bound = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('still waiting after 5 s')), 5000).unref(),
    );
    let text = '';
    await Promise.race([generate(e, (t) => (text += t)), bound]);
    expect(text.length).toBeGreaterThan(0);
    expect(sent().filter((r) => r === 'POST /api/generate')).toHaveLength(1);
    expect(e.shared.plannedBy).toBeUndefined();
  });

  it('a long generation that keeps moving (its tokens) has the claim proven no more: only silence is a reason to', async () => {
    const phi = DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!;
    box.fake.addModel({ ...phi, name: 'slowtalk:1b', tokenDelayMs: 80 });
    box.fake.reply(oneTokenWords(40, 'word'));
    try {
      const claim = claimOf(boxPlanner());
      const e = engine(claim, { suspectMs: 1200 });
      await e.shared.settle();
      expect(names(await e.list({ refresh: true }))).toContain('slowtalk:1b'); // the box reads its engine's list again
      let text = '';
      // ~3 s of tokens, told every ~0.5 s (the box's progress): never 1.2 s without one
      await e.generate({
        model: 'slowtalk:1b',
        prompt: 'Talk.',
        keepAlive: '5m',
        numCtx: 2048,
        maxTokens: 40,
        onDelta: (d) => void (text += d.text ?? ''),
      });
      expect(text).toContain(oneTokenWords(40, 'word').split(' ').at(-1)!);
      expect(claim.asked).toBe(1); // the first settle only
      expect(sent()).toEqual([]);
    } finally {
      box.fake.reply('from the planning server');
      box.fake.removeModel('slowtalk:1b');
    }
  });

  it('a slow call of a planner whose claim holds is waited for, never sent again', async () => {
    box.fake.setLatency('/api/generate', 600);
    try {
      const claim = claimOf(boxPlanner());
      const e = engine(claim, { suspectMs: 150 });
      await e.shared.settle();
      let text = '';
      await generate(e, (t) => (text += t));
      expect(text).toContain('from the planning server');
      expect(claim.asked).toBeGreaterThan(1); // proven again meanwhile
      expect(sent()).toEqual([]);
    } finally {
      box.fake.setLatency('/api/generate', 0);
    }
  });
});

describe('a planner that lost its claim (stopped long enough for another server to take it)', () => {
  it(
    'reads the claim before a load, an unload or a generation: none reaches the engine, they go ' +
      'to the new planner',
    async () => {
      const claim = claimOf(undefined, boxPlanner());
      const e = engine(claim);
      await e.shared.settle();
      expect(e.can.managesMemory).toBe(true);
      claim.held = false; // the claim names another server now
      await expect(e.unload('phi3:mini')).rejects.toMatchObject({ kind: 'not_supported' });
      expect(e.shared.plannedBy).toEqual(boxPlanner());
      expect(e.can.managesMemory).toBe(false);
      expect(await e.load({ model: 'phi3:mini', keepAlive: '5m' })).toBeUndefined();
      let text = '';
      await generate(e, (t) => (text += t));
      expect(text).toContain('from the planning server');
      expect(sent()).toEqual([]);
    },
  );

  it(
    'a generation relayed to it by another server is not sent on to the new planner: refused, ' +
      'nothing sent anywhere',
    async () => {
      const claim = claimOf(undefined, boxPlanner());
      const e = engine(claim);
      await e.shared.settle();
      claim.held = false;
      const before = box.fake.requests.length;
      await expect(
        e.generate({
          model: 'phi3:mini',
          prompt: 'Relayed.',
          keepAlive: '5m',
          numCtx: 2048,
          maxTokens: 8,
          relayed: true,
          onDelta: () => undefined,
        }),
      ).rejects.toMatchObject({ kind: 'not_supported' });
      expect(e.shared.plannedBy).toEqual(boxPlanner());
      expect(sent()).toEqual([]);
      expect(
        box.fake.requests.slice(before).filter((r) => r.path === '/api/generate' || r.path === '/api/chat'),
      ).toEqual([]);
      // this server's own call goes to the new planner
      let text = '';
      await generate(e, (t) => (text += t));
      expect(text).toContain('from the planning server');
    },
  );

  it('while it holds the claim, its loads, unloads and generations go to the engine', async () => {
    const e = engine(claimOf(undefined));
    await e.shared.settle();
    await e.load({ model: 'phi3:mini', keepAlive: '5m' });
    await generate(e);
    await e.unload('phi3:mini');
    expect(sent().filter((r) => r === 'POST /api/generate').length).toBeGreaterThanOrEqual(2);
    expect(e.shared.plannedBy).toBeUndefined();
  });
});
