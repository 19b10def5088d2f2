// Which shared server retires for which (retire.ts outranks), the control lines a server answers
// (control.ts), the build a process runs (build.ts), and the place named by it (place.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBuild, SOURCE } from '../../src/server/shared/build.js';
import { answerControl, type Controls } from '../../src/server/shared/control.js';
import { placeName } from '../../src/server/shared/place.js';
import { outranks, type Me } from '../../src/server/shared/retire.js';
import { parseCli, UsageError } from '../../src/server/args.js';
import { tempDir } from '../helpers/temp.js';

const me: Me = { pid: 10, build: { id: 'bbbbbbbbbbbb', at: 2000 }, key: '1111111111111111', home: '/h', fresh: true };
const other = { pid: 20, build: 'aaaaaaaaaaaa', builtAt: 1000, key: '1111111111111111', home: '/h', retiring: false };

describe('outranks: which server retires', () => {
  it('one of an older build of the same home retires, whoever started this one', () => {
    expect(outranks(me, other)).toBe('a newer build (bbbbbbbbbbbb) serves /h now');
    expect(outranks({ ...me, fresh: false }, other)).toBe('a newer build (bbbbbbbbbbbb) serves /h now');
  });

  it('one of a newer build never retires for an older one; both serve', () => {
    expect(outranks(me, { ...other, builtAt: 3000 })).toBeUndefined();
    expect(outranks(me, { ...other, builtAt: 2000 })).toBeUndefined(); // not older: kept
    expect(outranks({ ...me, build: SOURCE }, { ...other, builtAt: 0 })).toBeUndefined();
  });

  it(
    'one of the same build with other settings retires for a new launch, not for one moving ' +
      'from a server that left',
    () => {
      const same = { ...other, build: me.build.id, builtAt: me.build.at, key: '2222222222222222' };
      expect(outranks(me, same)).toBe('other settings serve /h now');
      expect(outranks({ ...me, fresh: false }, same)).toBeUndefined();
      expect(outranks(me, { ...same, key: me.key })).toBeUndefined(); // the same settings: the same server's place
    },
  );

  it('never: another home, itself, one retiring already, one of an earlier release that says no build', () => {
    expect(outranks(me, { ...other, home: '/elsewhere' })).toBeUndefined();
    expect(outranks(me, { ...other, pid: me.pid })).toBeUndefined();
    expect(outranks(me, { ...other, retiring: true })).toBeUndefined();
    expect(outranks(me, { ...other, build: undefined })).toBeUndefined();
  });
});

describe('the control lines', () => {
  const controls = () => {
    const done: string[] = [];
    const c: Controls = {
      who: () => ({ ollm: 'clients', pid: 1, version: '1', clients: [] }),
      retire: (line) => (done.push(`retire ${line.by} ${line.why}`), 3),
      stop: () => void done.push('stop'),
    };
    return { c, done };
  };
  const sock = () => {
    const sent: string[] = [];
    return { sent, end: (text: string, cb?: () => void) => (sent.push(text), cb?.()) };
  };

  it('who, retire and stop are each answered with one line; retire and stop are acted on', () => {
    const { c, done } = controls();
    const s = sock();
    expect(answerControl('{"ollm":"who"}', s as never, c)).toBe(true);
    expect(answerControl('{"ollm":"retire","by":5,"why":"a newer build"}', s as never, c)).toBe(true);
    expect(answerControl('{"ollm":"stop"}', s as never, c)).toBe(true);
    expect(s.sent.map((l) => JSON.parse(l))).toEqual([
      { ollm: 'clients', pid: 1, version: '1', clients: [] },
      { ollm: 'retiring', pid: process.pid, clients: 3 },
      { ollm: 'stopping', pid: process.pid },
    ]);
    expect(done).toEqual(['retire 5 a newer build', 'stop']);
  });

  it('a hello, or a control line out of shape, is no control line: nothing answered, nothing done', () => {
    const { c, done } = controls();
    const s = sock();
    for (const line of [
      '{"ollm":"hello"}',
      '{"ollm":"retire","by":5}',
      '{"ollm":"retire","by":-1,"why":"x"}',
      '{"ollm":"stop","now":true}',
      'stop',
    ])
      expect(answerControl(line, s as never, c), line).toBe(false);
    expect(s.sent).toEqual([]);
    expect(done).toEqual([]);
  });
});

describe('the build', () => {
  const file = (text: string) => {
    const f = join(tempDir('ollm-build-'), 'build.json');
    writeFileSync(f, text);
    return f;
  };
  it('is read from the record the build wrote', () => {
    expect(readBuild(file('{"ollm":"build","id":"0123456789ab","at":5}'))).toEqual({ id: '0123456789ab', at: 5 });
  });
  it('is "source" without a record, or with one that is not', () => {
    expect(readBuild('/nonexistent/build.json')).toEqual(SOURCE);
    for (const text of [
      'not json',
      '{"ollm":"build","id":"../x","at":5}',
      '{"ollm":"build","id":"0123456789ab"}',
      '{"id":"0123456789ab","at":5}',
    ])
      expect(readBuild(file(text)), text).toEqual(SOURCE);
  });
  it('names the place: another build of the same version and settings has another socket', () => {
    // a hash of release and key, short enough for a socket path in any runtime folder (issue 80, finding 2)
    expect(placeName('0.1.0-0123456789ab', 'ffffffffffffffff')).toMatch(/^[0-9a-f]{20}$/);
    expect(placeName('0.1.0-0123456789ab', 'ffffffffffffffff')).toBe(
      placeName('0.1.0-0123456789ab', 'ffffffffffffffff'),
    );
    expect(placeName('0.1.0-0123456789ab', 'ffffffffffffffff')).not.toBe(
      placeName('0.1.0-0123456789ab', 'fffffffffffffffe'),
    );
    expect(placeName('0.1.0-0123456789ab', 'ffffffffffffffff')).not.toBe(
      placeName('0.1.0-ba9876543210', 'ffffffffffffffff'),
    );
  });
});

describe('ollm-mcp shared', () => {
  it('lists by default, stops with a pid, "all", or nothing', () => {
    expect(parseCli(['shared'])).toMatchObject({ command: 'shared', action: 'list', params: [] });
    expect(parseCli(['shared', 'list', '--json'])).toMatchObject({ command: 'shared', action: 'list', json: true });
    expect(parseCli(['shared', 'stop'])).toMatchObject({ command: 'shared', action: 'stop', params: [] });
    expect(parseCli(['shared', 'stop', '123'])).toMatchObject({ command: 'shared', action: 'stop', params: ['123'] });
  });
  it('refuses another action or a second pid, saying the usage', () => {
    expect(() => parseCli(['shared', 'kill'])).toThrow(UsageError);
    expect(() => parseCli(['shared', 'kill'])).toThrow(
      /Unknown action "shared kill" — one of: shared \[list\], shared stop \[PID\|all\]/,
    );
    expect(() => parseCli(['shared', 'stop', '1', '2'])).toThrow(/Usage: ollm-mcp shared stop \[PID\|all\]/);
  });
});
