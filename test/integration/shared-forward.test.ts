// The forwarder against a stand-in shared server on a real socket: a server that dies mid-request
// is replaced; the request in flight is answered with an error saying to send it again, the
// client's initialize and initialized are replayed and the second initialize answer is not passed on.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Forwarder, RESTARTED_CODE } from '../../src/server/shared/forward.js';
import { reachServer, type Reach } from '../../src/server/shared/reach.js';
import { tempDir } from '../helpers/temp.js';

interface Conn {
  sock: Socket;
  lines: string[];
}

let server: Server | undefined;
afterEach(() => server?.close());

/** A stand-in shared server: greets every connection, records its lines, answers initialize. */
function standIn(address: string): Promise<Conn[]> {
  const conns: Conn[] = [];
  server = createServer((sock) => {
    const conn: Conn = { sock, lines: [] };
    conns.push(conn);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        conn.lines.push(line);
        const msg = JSON.parse(line) as { ollm?: string; id?: number; method?: string };
        if (msg.ollm === 'hello') sock.write(`${JSON.stringify({ ollm: 'ok', pid: 4242 })}\n`);
        else if (msg.method === 'initialize') sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { conn: conns.length } })}\n`);
        else if (msg.method === 'ping') sock.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { conn: conns.length } })}\n`);
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve) => server!.listen(address, () => resolve(conns)));
}

/** How a launch reaches the stand-in at `address`. */
const reachOf = (address: string): Reach => ({
  place: { address, dir: '', lock: '' },
  hello: { ollm: 'hello', version: '1.0.0', key: '0123456789abcdef', pid: 1, cwd: '/', toolsets: ['all'], defaultProfile: 'general' },
  home: tempDir('ollm-fw-home-'),
  command: ['-e', '0'],
});

const message = (m: Record<string, unknown>) => `${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`;

describe('the forwarder', () => {
  it('answers the request in flight with a retry error, replays the opening to the new server and swallows its answer', async () => {
    const address = join(tempDir('ollm-fw-'), 's.sock');
    const conns = await standIn(address);
    const reach = reachOf(address);
    const input = new PassThrough();
    const output = new PassThrough();
    const out: Array<Record<string, unknown>> = [];
    let buf = '';
    output.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) out.push(JSON.parse(p) as Record<string, unknown>);
    });
    const exits: number[] = [];
    const { sock, rest } = await reachServer(reach);
    new Forwarder(reach, undefined, input, output, (code) => exits.push(code)).start(sock, rest);

    input.write(message({ id: 0, method: 'initialize', params: {} }));
    await expect.poll(() => out.length).toBe(1);
    expect(out[0]).toMatchObject({ id: 0, result: { conn: 1 } });
    input.write(message({ method: 'notifications/initialized' }));
    input.write(message({ id: 1, method: 'tools/call', params: { name: 'x' } }));
    await expect.poll(() => conns[0]!.lines.length).toBe(4);
    conns[0]!.sock.destroy(); // the shared server dies with request 1 running

    await expect.poll(() => out.length).toBe(2);
    expect(out[1]).toMatchObject({ id: 1, error: { code: RESTARTED_CODE, message: expect.stringMatching(/send the request again/) } });
    await expect.poll(() => conns[1]?.lines.length ?? 0).toBe(3);
    expect(conns[1]!.lines.map((l) => (JSON.parse(l) as { ollm?: string; method?: string }).ollm ?? (JSON.parse(l) as { method: string }).method)).toEqual(['hello', 'initialize', 'notifications/initialized']);

    input.write(message({ id: 2, method: 'ping' }));
    await expect.poll(() => out.length).toBe(3);
    // the replayed initialize's answer never reached the client: the next line is the ping's
    expect(out[2]).toMatchObject({ id: 2, result: { conn: 2 } });
    expect(out.filter((m) => m.id === 0)).toHaveLength(1);

    input.end();
    await expect.poll(() => exits).toEqual([0]);
  });

  it('a client that closes its end before the server is reached: what it sent is delivered once it is, then the launch exits', async () => {
    const address = join(tempDir('ollm-fw-'), 's.sock');
    const conns = await standIn(address);
    const reach = reachOf(address);
    const input = new PassThrough();
    const exits: number[] = [];
    const forwarder = new Forwarder(reach, undefined, input, new PassThrough(), (code) => exits.push(code));
    forwarder.listen();
    input.write(message({ id: 0, method: 'initialize', params: {} }));
    input.write(message({ method: 'notifications/initialized' }));
    input.write(message({ id: 1, method: 'tools/call', params: { name: 'remember' } }));
    input.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([]); // not gone with what it holds
    const { sock, rest } = await reachServer(reach);
    forwarder.attach(sock, rest);
    await expect.poll(() => conns[0]!.lines.length).toBe(4);
    expect(conns[0]!.lines.slice(1).map((l) => (JSON.parse(l) as { method: string }).method)).toEqual(['initialize', 'notifications/initialized', 'tools/call']);
    await expect.poll(() => exits, { timeout: 5000 }).toEqual([0]);
  });
});
