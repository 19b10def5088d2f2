// The planner's desk of holds (engines/holds/desk.ts, issue 80 findings 3–5), on a clock the test
// moves and in-memory connections: what it keeps counted is bounded. A connection its peer ended
// (half-open: no 'close' follows) is dropped with its requests; one silent with a request in flight
// past SILENT_MS is cut, one that beats `alive` is not; requests told running after their hold was
// revoked are counted DRAIN_MS at most; and no hold is lent on a model a load here has had its turn
// for — the holds on it are revoked by the desk's sweep, those on other models kept. The sweep is
// called by the test (its own timer is an hour apart here), so every bound is met on the test's clock.
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HoldDesk } from '../../src/orchestrator/engines/holds/desk.js';
import { DRAIN_MS, SILENT_MS } from '../../src/orchestrator/engines/holds/desk-conn.js';
import type { ToPlanner } from '../../src/orchestrator/engines/holds/wire.js';
import type { Engine } from '../../src/orchestrator/engines/engine.js';
import { log } from '../../src/orchestrator/util/log.js';

const KEY = 'ollama http://loopback:11434';
const [M, N] = ['phi3:mini', 'mistral:7b'];
const tick = () => new Promise((r) => setImmediate(r));

/** A desk lending from a loader the test counts, with `claimed` the models a load here has had its turn for. */
function desk() {
  const clock = { now: 0 };
  const running = new Map<string, number>();
  const claimed = new Set<string>();
  const engine = {
    can: { contextPerRequest: true },
    ps: async () => [M, N].map((name) => ({ name, context_length: 4096 })),
  } as unknown as Engine;
  const begin = (m: string) => {
    running.set(m, (running.get(m) ?? 0) + 1);
    return () => void running.set(m, running.get(m)! - 1);
  };
  const d = new HoldDesk(5000, () => clock.now, 3_600_000);
  d.lend(KEY, { engine, begin, keepAlive: () => '5m', plans: async () => true, claimed: (m) => claimed.has(m) });
  opened.push(d);
  return { d, clock, running: (m: string) => running.get(m) ?? 0, claimed };
}

/** A relaying server's connection in memory: what it says, what it heard, its end (half-open: not destroyed). */
function relayer(d: HoldDesk) {
  const heard: Array<Record<string, unknown>> = [];
  let rest = '';
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      rest += chunk.toString('utf8');
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
        heard.push(JSON.parse(rest.slice(0, nl)) as Record<string, unknown>);
        rest = rest.slice(nl + 1);
      }
      done();
    },
  });
  d.accept(socket);
  const say = async (msg: ToPlanner) => (socket.push(`${JSON.stringify(msg)}\n`), await tick());
  /** A hold on `model`, asked and granted. */
  const hold = async (model: string) => {
    const answers = () => heard.filter((m) => (m.t === 'held' || m.t === 'refused') && m.model === model);
    const before = answers().length;
    await say({ t: 'hold', key: KEY, model });
    await vi.waitFor(() => expect(answers().length).toBe(before + 1));
    return answers().at(-1)!;
  };
  return {
    socket,
    heard,
    say,
    hold,
    said: (t: string, model: string) => heard.filter((m) => m.t === t && m.model === model),
  };
}

const opened: HoldDesk[] = [];
afterEach(() => {
  for (const d of opened.splice(0)) d.shut();
  vi.restoreAllMocks();
});

/** The clock moved to `to` a second at a time, the relaying server beating `alive` (`beats`), the desk sweeping. */
async function until(x: ReturnType<typeof desk>, r: ReturnType<typeof relayer>, to: number, beats = true) {
  while (x.clock.now < to) {
    x.clock.now = Math.min(to, x.clock.now + 1000);
    if (beats && !r.socket.destroyed) await r.say({ t: 'alive' });
    x.d.sweep();
  }
}

describe('the desk of holds: what it counts is bounded', () => {
  it("a connection its peer ended (half-open): dropped with its requests, the loader's end called", async () => {
    const x = desk();
    const r = relayer(x.d);
    expect((await r.hold(M)).t).toBe('held');
    await r.say({ t: 'begin', n: 1, key: KEY, model: M });
    expect([x.d.inFlight(KEY, M), x.running(M)]).toEqual([1, 1]);
    r.socket.push(null); // its FIN: the peer's end, no destroy
    await vi.waitFor(() => expect(x.d.inFlight(KEY, M)).toBe(0));
    expect(x.running(M)).toBe(0);
    expect(r.socket.destroyed).toBe(true); // not left in CLOSE-WAIT
  });

  it('a connection silent with a request in flight: cut once past SILENT_MS, not before', async () => {
    const x = desk();
    const r = relayer(x.d);
    await r.hold(M);
    await r.say({ t: 'begin', n: 1, key: KEY, model: M });
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => undefined);
    x.clock.now = SILENT_MS - 100;
    x.d.sweep();
    expect([x.d.inFlight(KEY, M), x.running(M), r.socket.destroyed]).toEqual([1, 1, false]);
    x.clock.now = SILENT_MS + 100;
    x.d.sweep();
    expect([x.d.inFlight(KEY, M), x.running(M), r.socket.destroyed]).toEqual([0, 0, true]);
    expect(warn.mock.calls.join('\n')).toContain(`silent for 4.1 s, its requests in flight on ${M}`);
  });

  it('a connection that beats `alive` keeps its request counted, a long one too (nothing revoked)', async () => {
    const x = desk();
    const r = relayer(x.d);
    await r.hold(M);
    await r.say({ t: 'begin', n: 1, key: KEY, model: M });
    await until(x, r, 3 * DRAIN_MS);
    expect([x.d.inFlight(KEY, M), x.running(M), r.socket.destroyed]).toEqual([1, 1, false]);
    await r.say({ t: 'end', n: 1 });
    expect(x.running(M)).toBe(0);
  });

  it('a holder that lies (beats, never ends after a revoke): counted DRAIN_MS after the revoke, then cut', async () => {
    const x = desk();
    const r = relayer(x.d);
    await r.hold(M);
    await r.say({ t: 'begin', n: 1, key: KEY, model: M });
    x.clock.now = 2000;
    let closed = false;
    const closing = x.d.close(KEY, M).then((reopen) => ((closed = true), reopen));
    await vi.waitFor(() => expect(r.said('revoke', M)).toHaveLength(1));
    await r.say({ t: 'revoked', key: KEY, model: M }); // it answers, and starts nothing more — but never ends
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => undefined);
    await until(x, r, 2000 + DRAIN_MS - 100);
    await tick();
    expect([x.d.inFlight(KEY, M), x.running(M), closed, r.socket.destroyed]).toEqual([1, 1, false, false]);
    await until(x, r, 2000 + DRAIN_MS + 100);
    (await closing)();
    expect([x.d.inFlight(KEY, M), x.running(M), closed, r.socket.destroyed]).toEqual([0, 0, true, true]);
    expect(warn.mock.calls.join('\n')).toContain(
      `a request on ${M} still told running 10.1 s after its hold was revoked`,
    );
    expect(warn.mock.calls.join('\n')).not.toMatch(/token|Bearer/i);
  });

  it('a model a load here has had its turn for: no hold lent, the one lent revoked; another model kept', async () => {
    const x = desk();
    const r = relayer(x.d);
    x.claimed.add(M);
    expect(await r.hold(M)).toMatchObject({ t: 'refused', why: 'a load here has waited its turn and unloads it' });
    expect((await r.hold(N)).t).toBe('held');
    x.claimed.delete(M);
    expect((await r.hold(M)).t).toBe('held');
    await r.say({ t: 'begin', n: 1, key: KEY, model: M });
    await r.say({ t: 'begin', n: 2, key: KEY, model: N });
    x.claimed.add(M); // its turn came: the sweep revokes the hold on it
    x.d.sweep();
    await tick();
    expect([r.said('revoke', M).length, r.said('revoke', N).length]).toEqual([1, 0]);
    // the request begun before still ends as told; the relaying server answers the revoke
    await r.say({ t: 'revoked', key: KEY, model: M });
    await r.say({ t: 'end', n: 1 });
    expect([x.running(M), x.running(N)]).toEqual([0, 1]);
    // a begin under the hold on N goes on; one under the revoked hold on M ends the connection
    await r.say({ t: 'begin', n: 3, key: KEY, model: N });
    expect([x.running(N), r.socket.destroyed]).toEqual([2, false]);
    vi.spyOn(log, 'warn').mockImplementation(() => undefined);
    await r.say({ t: 'begin', n: 4, key: KEY, model: M });
    expect([x.running(M), x.running(N), r.socket.destroyed]).toEqual([0, 0, true]);
  });

  it('a request begun under a hold on a model claimed since: counted, and the hold revoked at once', async () => {
    const x = desk();
    const r = relayer(x.d);
    await r.hold(M);
    x.claimed.add(M);
    await r.say({ t: 'begin', n: 1, key: KEY, model: M });
    expect([x.running(M), r.said('revoke', M).length]).toEqual([1, 1]);
    // it waits behind the load as the loader's own: counted DRAIN_MS at most from its begin
    await until(x, r, DRAIN_MS + 100);
    expect([x.running(M), r.socket.destroyed]).toEqual([0, true]);
  });
});
