import { describe, expect, it } from 'vitest';
import { MAX_NAMED_SESSIONS, SessionNames } from '../../src/server/session-names.js';

const init = (name: unknown) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name, version: '1' } },
});

describe('SessionNames', () => {
  it("keeps an initialize's client name under the session id it was given, bounded as every name is", () => {
    const n = new SessionNames();
    n.note(init('cursor'), 's1');
    n.note(init('bad\u0000name'), 's2');
    n.note(init(42), 's3');
    expect([n.of('s1'), n.of('s2'), n.of('s3'), n.of('s4'), n.of(undefined)]).toEqual([
      'cursor',
      'badname',
      'unknown',
      undefined,
      undefined,
    ]);
  });

  it('takes nothing from a message that is not initialize, or without a session id', () => {
    const n = new SessionNames();
    n.note(
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', clientInfo: { name: 'sneaky' } } },
      's1',
    );
    n.note(init('cursor'), undefined);
    n.note(init('cursor'), ['s1']);
    n.note(null, 's1');
    expect(n.size).toBe(0);
  });

  it('forgets the oldest session past its bound, never more', () => {
    const n = new SessionNames(2);
    n.note(init('a'), 's1');
    n.note(init('b'), 's2');
    expect(n.size).toBe(2);
    n.note(init('c'), 's3');
    expect([n.of('s1'), n.of('s2'), n.of('s3')]).toEqual([undefined, 'b', 'c']);
    // a session named again is the newest
    n.note(init('b2'), 's2');
    n.note(init('d'), 's4');
    expect([n.of('s2'), n.of('s3'), n.of('s4')]).toEqual(['b2', undefined, 'd']);
    expect(new SessionNames().size).toBe(0);
    expect(MAX_NAMED_SESSIONS).toBe(10_000);
  });
});
