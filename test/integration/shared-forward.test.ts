// The forwarder against a stand-in shared server on a real socket: a server that dies mid-request
// is replaced, the client's initialize and initialized are replayed (the second initialize answer
// is not passed on) and the request in flight is sent again, once; a server that says it is moving
// still answers what runs there while new requests go to the next one.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Forwarder, RESTARTED_CODE } from '../../src/server/shared/forward.js';
import { MOVING_METHOD } from '../../src/server/shared/lines.js';
import { reachOrStart, type Reach } from '../../src/server/shared/reach.js';
import { tempDir } from '../helpers/temp.js';

interface Conn {
  sock: Socket;
  lines: string[];
}

let server: Server | undefined;
afterEach(() => server?.close());

/**
 * A stand-in shared server: greets every connection, records its lines, answers initialize and ping — unless
 * `frozen` names the connection (its process suspended: it reads nothing).
 */
function standIn(address: string, frozen: (n: number) => boolean = () => false): Promise<Conn[]> {
  const conns: Conn[] = [];
  server = createServer((sock) => {
    const conn: Conn = { sock, lines: [] };
    conns.push(conn);
    const n = conns.length;
    let buf = '';
    let greeted = false;
    sock.on('data', (d: Buffer) => {
      if (greeted && frozen(n)) return;
      greeted = true;
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        conn.lines.push(line);
        const msg = JSON.parse(line) as { ollm?: string; id?: number; method?: string };
        if (msg.ollm === 'hello') sock.write(`${JSON.stringify({ ollm: 'ok', pid: 4242 })}\n`);
        else if (msg.method === 'initialize')
          sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { conn: conns.length } })}\n`);
        else if (msg.method === 'ping')
          sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { conn: conns.length } })}\n`);
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve) => server!.listen(address, () => resolve(conns)));
}

/** How a launch reaches the stand-in at `address`. */
const reachOf = (address: string): Reach => ({
  place: { address, dir: '', lock: '' },
  hello: {
    ollm: 'hello',
    version: '1.0.0',
    build: 'source',
    key: '0123456789abcdef',
    pid: 1,
    cwd: '/',
    toolsets: ['all'],
    defaultProfile: 'general',
  },
});

/** A server's line telling its forwarders it is leaving. */
const MOVING = `${JSON.stringify({ jsonrpc: '2.0', method: MOVING_METHOD })}\n`;

/** The stand-in reached (this test starts nothing: it waits for the stand-in to listen). */
const reachIt = (reach: Reach) => () => reachOrStart(reach, async () => undefined);

/** The client's end of a forwarder: the stream it writes to, and each message it wrote there, parsed. */
function clientSide(): { output: PassThrough; out: Array<Record<string, unknown>> } {
  const output = new PassThrough();
  const out: Array<Record<string, unknown>> = [];
  let buf = '';
  output.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) out.push(JSON.parse(p) as Record<string, unknown>);
  });
  return { output, out };
}

/**
 * A forwarder started on a stand-in server at a fresh address: the server's connections, the client's input
 * and what it was sent, and the exit codes.
 */
async function forwarding(frozen?: (n: number) => boolean) {
  const address = join(tempDir('ollm-fw-'), 's.sock');
  const conns = await standIn(address, frozen);
  const reach = reachOf(address);
  const input = new PassThrough();
  const { output, out } = clientSide();
  const exits: number[] = [];
  const { sock, rest } = await reachIt(reach)();
  new Forwarder(reachIt(reach), undefined, input, output, (code) => exits.push(code), {
    quietMs: 150,
    pingWithinMs: 150,
    checkMs: 20,
  }).start(sock, rest, true);
  return { conns, input, out, exits };
}

const message = (m: Record<string, unknown>) => `${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`;

describe('the forwarder', () => {
  it(
    'sends a request lost with its server once more, to the next one, after the replayed ' +
      'opening (whose answer is not passed on); lost twice, it is answered with a retry error',
    async () => {
      const { conns, input, out, exits } = await forwarding();
      const kinds = (c: Conn) =>
        c.lines.map(
          (l) =>
            (JSON.parse(l) as { ollm?: string; method?: string }).ollm ?? (JSON.parse(l) as { method: string }).method,
        );

      input.write(message({ id: 0, method: 'initialize', params: {} }));
      await expect.poll(() => out.length).toBe(1);
      expect(out[0]).toMatchObject({ id: 0, result: { conn: 1 } });
      input.write(message({ method: 'notifications/initialized' }));
      input.write(message({ id: 1, method: 'tools/call', params: { name: 'x' } }));
      await expect.poll(() => conns[0]!.lines.length).toBe(4);
      conns[0]!.sock.destroy(); // the shared server dies with request 1 running

      await expect.poll(() => conns[1]?.lines.length ?? 0).toBe(4);
      expect(kinds(conns[1]!)).toEqual(['hello', 'initialize', 'notifications/initialized', 'tools/call']);
      expect(JSON.parse(conns[1]!.lines[3]!)).toMatchObject({ id: 1, params: { name: 'x' } });
      expect(out).toHaveLength(1); // nothing said to the client: its request runs again

      conns[1]!.sock.destroy(); // lost a second time
      await expect.poll(() => out.length).toBe(2);
      expect(out[1]).toMatchObject({
        id: 1,
        error: { code: RESTARTED_CODE, message: expect.stringMatching(/send the request again/) },
      });
      await expect.poll(() => conns[2]?.lines.length ?? 0).toBe(3);
      expect(kinds(conns[2]!)).toEqual(['hello', 'initialize', 'notifications/initialized']);

      input.write(message({ id: 2, method: 'ping' }));
      await expect.poll(() => out.length).toBe(3);
      // the replayed initialize's answers never reached the client: the next line is the ping's
      expect(out[2]).toMatchObject({ id: 2, result: { conn: 3 } });
      expect(out.filter((m) => m.id === 0)).toHaveLength(1);

      input.end();
      await expect.poll(() => exits).toEqual([0]);
    },
  );

  it(
    'a server moving on: new requests go to the next server, while the answers, cancellations ' +
      'and server requests of those in flight stay with the one leaving, which is closed after ' +
      'its last answer',
    async () => {
      const { conns, input, out } = await forwarding();
      input.write(message({ id: 0, method: 'initialize', params: {} }));
      input.write(message({ method: 'notifications/initialized' }));
      input.write(message({ id: 1, method: 'tools/call', params: { name: 'long' } }));
      input.write(message({ id: 9, method: 'tools/call', params: { name: 'other' } }));
      await expect.poll(() => conns[0]!.lines.length).toBe(5);
      let closed = false;
      conns[0]!.sock.on('end', () => (closed = true));
      conns[0]!.sock.write(MOVING);
      await expect.poll(() => conns[1]?.lines.length ?? 0).toBe(3); // hello, initialize, initialized
      input.write(message({ id: 2, method: 'ping' }));
      await expect.poll(() => out.some((m) => m.id === 2)).toBe(true);
      expect(out.find((m) => m.id === 2)).toMatchObject({ result: { conn: 2 } });
      // the leaving server asks the client something for request 1: the answer goes back to it
      conns[0]!.sock.write(message({ id: 7, method: 'roots/list' }));
      await expect.poll(() => out.some((m) => m.method === 'roots/list')).toBe(true);
      input.write(message({ id: 7, result: { roots: [] } }));
      input.write(message({ method: 'notifications/cancelled', params: { requestId: 9 } }));
      await expect.poll(() => conns[0]!.lines.length).toBe(7);
      expect(conns[0]!.lines.slice(5).map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
        { id: 7, result: { roots: [] } },
        { method: 'notifications/cancelled', params: { requestId: 9 } },
      ]);
      expect(conns[1]!.lines.some((l) => l.includes('notifications/cancelled') || l.includes('"id":7'))).toBe(false);
      // request 9 answered (as cancelled), then request 1: its last answer, and the forwarder closes it
      conns[0]!.sock.write(message({ id: 9, error: { code: -32800, message: 'cancelled' } }));
      expect(closed).toBe(false);
      conns[0]!.sock.write(message({ id: 1, result: { done: true } }));
      await expect.poll(() => out.some((m) => m.id === 1)).toBe(true);
      await expect.poll(() => closed).toBe(true);
      expect(out.some((m) => m.method === 'notifications/ollm/moving')).toBe(false);
      input.end();
    },
  );

  it(
    'a client that closes its end before the server is reached: what it sent is delivered once ' +
      'it is, then the launch exits',
    async () => {
      const address = join(tempDir('ollm-fw-'), 's.sock');
      const conns = await standIn(address);
      const reach = reachOf(address);
      const input = new PassThrough();
      const exits: number[] = [];
      const forwarder = new Forwarder(reachIt(reach), undefined, input, new PassThrough(), (code) => exits.push(code));
      forwarder.listen();
      input.write(message({ id: 0, method: 'initialize', params: {} }));
      input.write(message({ method: 'notifications/initialized' }));
      input.write(message({ id: 1, method: 'tools/call', params: { name: 'remember' } }));
      input.end();
      await new Promise((r) => setTimeout(r, 50));
      expect(exits).toEqual([]); // not gone with what it holds
      const { sock, rest } = await reachIt(reach)();
      forwarder.attach(sock, rest);
      await expect.poll(() => conns[0]!.lines.length).toBe(4);
      expect(conns[0]!.lines.slice(1).map((l) => (JSON.parse(l) as { method: string }).method)).toEqual([
        'initialize',
        'notifications/initialized',
        'tools/call',
      ]);
      await expect.poll(() => exits, { timeout: 5000 }).toEqual([0]);
    },
  );

  it(
    'a server that stops answering while it owes an answer (suspended, hung) is left: the ' +
      'request goes to the next server; one that answers its ping is kept',
    async () => {
      let frozen = false;
      const { conns, input, out } = await forwarding((n) => n === 1 && frozen);
      input.write(message({ id: 1, method: 'initialize', params: {} }));
      await expect.poll(() => out.length).toBe(1);
      // the first server alive but slow: pinged, it answers, and it is kept
      input.write(message({ id: 2, method: 'tools/call', params: { name: 'slow' } }));
      await expect
        .poll(() => conns[0]!.lines.filter((l) => l.includes('ollm-forwarder-ping-')).length, { timeout: 3000 })
        .toBeGreaterThanOrEqual(2);
      expect(conns).toHaveLength(1);
      expect(out.map((m) => m.id)).toEqual([1]); // the pings' answers are the forwarder's own
      // then it reads nothing more: taken as stopped, its request sent to the next one after the replayed opening
      frozen = true;
      await expect.poll(() => conns.length, { timeout: 3000 }).toBe(2);
      await expect.poll(() => conns[1]!.lines.some((l) => l.includes('"id":2')), { timeout: 3000 }).toBe(true);
      expect(conns[1]!.lines.findIndex((l) => l.includes('"initialize"'))).toBeLessThan(
        conns[1]!.lines.findIndex((l) => l.includes('"id":2')),
      );
    },
  );

  it('a launch whose client left exits within 2 s though no server is ever reached; one with nothing to deliver at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const launch = () => {
        const input = new PassThrough();
        const exits: number[] = [];
        const f = new Forwarder(
          () => new Promise<never>(() => undefined), // the server never reached (a suspended one holds its lock)
          undefined,
          input,
          new PassThrough(),
          (code) => exits.push(code),
        );
        f.listen();
        return { input, exits };
      };
      // a call sent, waiting for a server, then the client leaves: what it sent cannot be delivered for ever
      const waiting = launch();
      waiting.input.write(message({ id: 1, method: 'tools/call', params: { name: 'x' } }));
      waiting.input.end();
      await new Promise((r) => setImmediate(r));
      expect(waiting.exits).toEqual([]); // not before its bound: it may yet be delivered
      vi.advanceTimersByTime(2000);
      expect(waiting.exits).toEqual([0]);
      // nothing sent: it exits as the client leaves
      const idle = launch();
      idle.input.end();
      await new Promise((r) => setImmediate(r));
      expect(idle.exits).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
  });
});
