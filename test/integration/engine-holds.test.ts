// Holds of loaded models between the servers sharing an engine (issue 74, Deliver 4), in-process:
// the planner's desk behind a claim endpoint's door (the claim's token), a relaying server's
// connection to it, on a clock the test moves. A hold run out or refused sends the generation
// through the planner, and a hold is asked again; a connection without the token gets no hold, and
// one that did not take a hold cannot count a request under another's.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HoldDesk } from '../../src/orchestrator/engines/holds/desk.js';
import { HoldClient } from '../../src/orchestrator/engines/holds/client.js';
import { heldGenerate } from '../../src/orchestrator/engines/holds/leases.js';
import { HOLD_PATH, HOLD_UPGRADE } from '../../src/orchestrator/engines/holds/wire.js';
import { holdDoor } from '../../src/server/shared/hold-door.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import type { EngineModel } from '../../src/orchestrator/engines/engine-model.js';
import type { GenerateRequest } from '../../src/orchestrator/engines/engine-requests.js';

const TOKEN = 'a'.repeat(64);
const KEY = 'ollama http://loopback:11434';
const until = async (ok: () => boolean, ms = 3000) => {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error('not in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A planner's desk behind a door, an engine whose loaded models the test sets, and a clock it moves. */
async function planner() {
  const clock = { now: 0 };
  const loaded: Array<Partial<EngineModel>> = [{ name: 'phi3:mini', context_length: 4096 }];
  const begun: string[] = [];
  let running = 0;
  const sent: GenerateRequest[] = [];
  const engine = {
    can: { contextPerRequest: true },
    ps: async () => loaded,
    generate: async (req: GenerateRequest) => (sent.push(req), { doneReason: 'stop' }),
  } as unknown as Engine;
  const desk = new HoldDesk(5000, () => clock.now);
  const begin = (m: string) => (begun.push(m), running++, () => void running--);
  const claimed = new Set<string>();
  // how long the desk takes to say it still plans the engine (a busy planner answers late)
  const answerIn = { ms: 0 };
  const plans = async () => (answerIn.ms && (await new Promise((r) => setTimeout(r, answerIn.ms))), true);
  desk.lend(KEY, { engine, begin, keepAlive: () => '5m', plans, claimed: (m) => claimed.has(m) });
  const tokens = [{ value: TOKEN, source: 'an engine claim', agent: 'local' }];
  const server = http.createServer((_q, s) => s.writeHead(404).end());
  server.on('upgrade', holdDoor(desk, tokens));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const client = (token = TOKEN) =>
    new HoldClient(
      { url, token },
      () => true,
      () => clock.now,
    );
  return { clock, loaded, begun, running: () => running, sent, engine, desk, server, url, client, answerIn };
}

/** A raw upgrade to the holds' door with `token`: the first words of its answer, and the connection. */
async function upgrade(url: string, token: string): Promise<{ head: string; socket: net.Socket }> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const auth = `authorization: Bearer ${token}`;
  socket.write(
    `GET ${HOLD_PATH} HTTP/1.1\r\nhost: x\r\n${auth}\r\nconnection: Upgrade\r\nupgrade: ${HOLD_UPGRADE}\r\n\r\n`,
  );
  const head = await new Promise<string>((r) => socket.once('data', (d: Buffer) => r(d.toString('utf8'))));
  return { head, socket };
}

const close: Array<() => void> = [];
afterEach(() => {
  for (const c of close.splice(0)) c();
});

const req = (): GenerateRequest => ({
  model: 'phi3:mini',
  prompt: 'hi',
  keepAlive: 300,
  numCtx: 2048,
  maxTokens: 8,
  onDelta: () => undefined,
});

/**
 * A relaying server's connection holding a hold on phi3:mini, and its generation: under a hold, or `through` the
 * planner (counted).
 */
async function held() {
  const p = await planner();
  const c = p.client();
  close.push(() => (c.close(), p.desk.shut(), p.server.close()));
  const counted = { through: 0 };
  const relay = async () => (counted.through++, { doneReason: 'stop' });
  c.ask(KEY, 'phi3:mini');
  await until(() => c.usable(KEY, 'phi3:mini') !== undefined);
  const generate = () => heldGenerate(c, KEY, p.engine, [req(), {}], relay);
  return { p, c, counted, generate };
}

describe('holds lent by the planner of a shared engine', () => {
  it('a hold run out: the next call asks it again and waits for it, then goes to the engine under it', async () => {
    const { p, counted, generate } = await held();
    await generate();
    expect([counted.through, p.sent.length]).toEqual([0, 1]);
    // sent with the window and keep-alive the model is loaded with, not this server's own
    expect(p.sent[0]).toMatchObject({ numCtx: 4096, keepAlive: '5m' });
    await until(() => p.running() === 0 && p.begun.length === 1);
    p.clock.now += 5000; // run out (not renewed: no call in its second half), as between an agent's calls
    await generate();
    expect([counted.through, p.sent.length, p.desk.granted]).toEqual([0, 2, 2]); // asked again as it came, and held
    expect(p.sent[1]).toMatchObject({ numCtx: 4096, keepAlive: '5m' });
  });

  it('a hold on a window smaller than the request was planned for: straight only where it surely fits', async () => {
    const { p, c, counted } = await held(); // phi3:mini loaded at 4096
    const go = (r: Partial<GenerateRequest>) =>
      heldGenerate(c, KEY, p.engine, [{ ...req(), ...r }, {}], async () => (counted.through++, {}));
    // its placement read an older list (the model loaded at 8k then, or not loaded): the prompt was sized for 8k
    const long = 'word '.repeat(1600); // 8 kB: ~2k tokens, 4,000 at the most
    await go({ numCtx: 8192, prompt: long, maxTokens: 200 }); // not surely under 4k with its answer
    expect([counted.through, p.sent.length]).toEqual([1, 0]);
    await go({ numCtx: 8192, prompt: long, maxTokens: 90 }); // 4,090 at the most
    await go({ numCtx: 8192, prompt: 'Say hi.' }); // a quick call fits any window
    await go({ numCtx: 8192, prompt: 'What is in it?', images: ['aGk='] }); // not an image: its tokens unknown here
    expect([counted.through, p.sent.length]).toEqual([2, 2]);
    await go({ numCtx: 4096, prompt: long, maxTokens: 200 }); // planned for the window loaded
    expect([counted.through, p.sent.length]).toEqual([2, 3]);
    expect(p.sent.map((s) => s.numCtx)).toEqual([4096, 4096, 4096]);
  });

  it('a hold run out and refused when asked again (unloaded meanwhile): through the planner', async () => {
    const { p, counted, generate } = await held();
    p.loaded.splice(0);
    p.clock.now += 5000;
    await generate();
    expect([counted.through, p.sent.length, p.desk.granted]).toEqual([1, 0, 1]);
  });

  it('a hold run out and not answered in time when asked again: through the planner, once', async () => {
    const { p, c, counted, generate } = await held();
    p.answerIn.ms = 1500; // the planner busy: its answer comes long after the call's wait
    p.clock.now += 5000;
    await generate();
    expect([counted.through, p.sent.length]).toEqual([1, 0]);
    await until(() => p.desk.granted === 2); // its late grant still serves the calls after it
    await until(() => c.usable(KEY, 'phi3:mini') !== undefined);
  });

  it('a hold revoked is not asked again by the next call: through the planner, which may be loading it', async () => {
    const { p, c, counted, generate } = await held();
    p.clock.now += 5000;
    expect(c.usable(KEY, 'phi3:mini')).toBeUndefined(); // run out, then revoked (an unload)
    (await p.desk.close(KEY, 'phi3:mini'))();
    await new Promise((r) => setTimeout(r, 100));
    await generate();
    expect([counted.through, p.sent.length, p.desk.granted]).toEqual([1, 0, 1]);
  });

  it('a hold refused (the model not loaded there) sends the generation through the planner', async () => {
    const p = await planner();
    p.loaded.splice(0);
    const c = p.client();
    close.push(() => (c.close(), p.desk.shut(), p.server.close()));
    let through = 0;
    c.ask(KEY, 'phi3:mini');
    await new Promise((r) => setTimeout(r, 200));
    expect(c.usable(KEY, 'phi3:mini')).toBeUndefined();
    await heldGenerate(c, KEY, p.engine, [req(), {}], async () => (through++, { doneReason: 'stop' }));
    expect([through, p.sent.length, p.desk.granted]).toEqual([1, 0, 0]);
  });

  it('an unload waits for the request in flight under a hold, and the hold is revoked first', async () => {
    const p = await planner();
    const c = p.client();
    close.push(() => (c.close(), p.desk.shut(), p.server.close()));
    c.ask(KEY, 'phi3:mini');
    await until(() => c.usable(KEY, 'phi3:mini') !== undefined);
    let finish = () => undefined as void;
    const slow = {
      ...p.engine,
      generate: () => new Promise((r) => (finish = () => r({ doneReason: 'stop' })) as never),
    } as Engine;
    const running = heldGenerate(c, KEY, slow, [req(), {}], async () => ({ doneReason: 'stop' }));
    await until(() => p.desk.inFlight(KEY, 'phi3:mini') === 1);
    let closed = false;
    const closing = p.desk.close(KEY, 'phi3:mini').then((reopen) => ((closed = true), reopen));
    await until(() => c.usable(KEY, 'phi3:mini') === undefined); // revoked: nothing more starts under it
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false); // the request under it still runs
    finish();
    await running;
    (await closing)();
    expect([closed, p.desk.inFlight(KEY, 'phi3:mini'), p.running()]).toEqual([true, 0, 0]);
  });

  it('no hold without the claim token; a connection cannot count a request under a hold of another', async () => {
    const p = await planner();
    const wrong = p.client('b'.repeat(64));
    const right = p.client();
    close.push(() => (wrong.close(), right.close(), p.desk.shut(), p.server.close()));
    wrong.ask(KEY, 'phi3:mini');
    await new Promise((r) => setTimeout(r, 200));
    expect(wrong.usable(KEY, 'phi3:mini')).toBeUndefined();
    expect(p.desk.granted).toBe(0);
    right.ask(KEY, 'phi3:mini');
    await until(() => right.usable(KEY, 'phi3:mini') !== undefined);
    // another process with the token, not the hold: its request under that hold is not counted, its connection closed
    const other = await upgrade(p.url, TOKEN);
    expect(other.head).toMatch(/^HTTP\/1\.1 101/);
    other.socket.write(`${JSON.stringify({ t: 'begin', n: 1, key: KEY, model: 'phi3:mini' })}\n`);
    await new Promise((r) => other.socket.once('close', r));
    expect(p.begun).toEqual([]);
    expect(p.desk.inFlight(KEY, 'phi3:mini')).toBe(0);
    // without the token: refused before any word
    const refused = await upgrade(p.url, 'c'.repeat(64));
    expect(refused.head).toMatch(/^HTTP\/1\.1 401/);
    refused.socket.destroy();
  });
});
