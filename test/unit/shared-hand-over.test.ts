// A launch about to host the shared server waits for its client's handshake to be answered from
// the build's record before loading the server's code (Forwarder.wanted), then hands the client
// over (Forwarder.handOver): what it sent so far, whether it left, and the initialize whose answer
// the client already has.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Forwarder } from '../../src/server/shared/forward.js';
import { Handshake } from '../../src/server/shared/handshake.js';

const record = new Handshake({ version: '0', protocols: { '2025-06-18': { initialize: '{"protocolVersion":"2025-06-18"}', tools: 0 } }, tools: ['{"tools":[]}'] });
const line = (m: Record<string, unknown>) => `${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`;
const initialize = (protocolVersion: string) => line({ id: 1, method: 'initialize', params: { protocolVersion } });
const never = async () => new Promise<never>(() => undefined);

function forwarder(handshake?: Handshake) {
  const input = new PassThrough();
  const output = new PassThrough();
  const said: string[] = [];
  output.on('data', (d: Buffer) => said.push(...d.toString().split('\n').filter(Boolean)));
  const f = new Forwarder(never, handshake, input, output, () => undefined);
  f.listen();
  return { f, input, said };
}

/** Whether `p` settles within `ms`. */
const settles = (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('a launch about to host', () => {
  it('without a record, the server is wanted at once', async () => {
    const { f } = forwarder();
    expect(await settles(f.wanted(10_000), 50)).toBe(true);
  });

  it('with one, once the handshake is answered from it — not before', async () => {
    const { f, input, said } = forwarder(record);
    const wanted = f.wanted(10_000);
    input.write(initialize('2025-06-18'));
    input.write(line({ method: 'notifications/initialized' }));
    expect(await settles(wanted, 50)).toBe(false);
    input.write(line({ id: 2, method: 'tools/list' }));
    expect(await settles(wanted, 200)).toBe(true);
    expect(said.map((s) => (JSON.parse(s) as { id: number }).id)).toEqual([1, 2]);
  });

  it('at a request the record cannot answer (another protocol version, a call), or when the wait is over', async () => {
    const a = forwarder(record);
    const wantedA = a.f.wanted(10_000);
    a.input.write(initialize('2099-01-01'));
    expect(await settles(wantedA, 200)).toBe(true);
    const b = forwarder(record);
    const wantedB = b.f.wanted(10_000);
    b.input.write(initialize('2025-06-18'));
    b.input.write(line({ id: 2, method: 'tools/call', params: { name: 'recall' } }));
    expect(await settles(wantedB, 200)).toBe(true);
    const c = forwarder(record);
    expect(await settles(c.f.wanted(30), 500)).toBe(true);
  });

  it('hands over what the client sent, a line not yet whole included, and the initialize answered from the record', () => {
    const { f, input } = forwarder(record);
    input.write(initialize('2025-06-18'));
    input.write(line({ method: 'notifications/initialized' }));
    input.write('{"jsonrpc":"2.0","id":3,"meth');
    const given = f.handOver();
    expect(given.swallow).toBe(1);
    expect(given.ended).toBe(false);
    expect(given.pending.toString()).toBe(`${initialize('2025-06-18')}${line({ method: 'notifications/initialized' })}{"jsonrpc":"2.0","id":3,"meth`);
    // from now on the client's bytes are the server's: the forwarder reads no more
    input.write('od":"ping"}\n');
    expect(f.handOver().pending.length).toBe(0);
  });

  it('an initialize the record could not answer is handed over to be answered, and a client gone is said so', () => {
    const { f, input } = forwarder(record);
    input.write(initialize('2099-01-01'));
    input.end();
    return new Promise<void>((done) =>
      setImmediate(() => {
        const given = f.handOver();
        expect(given.swallow).toBeUndefined();
        expect(given.ended).toBe(true);
        expect(given.pending.toString()).toBe(initialize('2099-01-01'));
        done();
      }),
    );
  });
});
