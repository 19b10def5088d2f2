import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/orchestrator/config/index.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { parseCli, UsageError } from '../../src/server/args.js';
import { sessionView } from '../../src/server/core.js';
import { PassThrough } from 'node:stream';
import {
  MAX_HELLO_BYTES,
  answerSchema,
  clientPart,
  firstLine,
  helloSchema,
  parseLine,
  whoAnswerSchema,
  whoSchema,
  withClientSettings,
} from '../../src/server/shared/hello.js';
import { Lines, requestId, responseId, type Line } from '../../src/server/shared/lines.js';
import { tempDir } from '../helpers/temp.js';

const hello = {
  ollm: 'hello',
  version: '1.0.0',
  build: '0123456789ab',
  key: '0123456789abcdef',
  pid: 42,
  cwd: '/work/x',
  toolsets: ['all'],
  defaultProfile: 'general',
};

describe('the hello', () => {
  it('is taken when it is one', () => {
    expect(parseLine(JSON.stringify(hello), helloSchema)).toEqual({ value: hello });
    expect(parseLine(JSON.stringify({ ...hello, project: 'sub', model: 'llama3.2' }), helloSchema)).toHaveProperty(
      'value.project',
      'sub',
    );
  });

  it('has a key of exactly sixteen hex digits, nothing before or after them', () => {
    expect(parseLine(JSON.stringify({ ...hello, key: 'x0123456789abcdef' }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^key: /),
    );
    expect(parseLine(JSON.stringify({ ...hello, key: '0123456789abcdefx' }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^key: /),
    );
  });

  it('says it is moving only with true: false or any other value is refused', () => {
    expect(parseLine(JSON.stringify({ ...hello, moving: true }), helloSchema)).toEqual({
      value: { ...hello, moving: true },
    });
    expect(parseLine(JSON.stringify({ ...hello, moving: false }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^moving: /),
    );
    expect(parseLine(JSON.stringify({ ...hello, moving: 'true' }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^moving: /),
    );
  });

  it('names a build of exactly twelve hex digits, or "source"', () => {
    for (const build of ['0123456789ab', 'fedcba987654', 'source'])
      expect(parseLine(JSON.stringify({ ...hello, build }), helloSchema), build).toEqual({
        value: { ...hello, build },
      });
    for (const build of [
      '0123456789a',
      '0123456789abc',
      '0123456789AB',
      'x0123456789ab',
      '0123456789abx',
      'sources',
      '',
    ]) {
      expect(parseLine(JSON.stringify({ ...hello, build }), helloSchema), build).toHaveProperty(
        'why',
        expect.stringMatching(/^build: /),
      );
    }
  });

  it('may name several toolsets, never none', () => {
    expect(parseLine(JSON.stringify({ ...hello, toolsets: ['memory', 'models'] }), helloSchema)).toHaveProperty(
      'value.toolsets',
      ['memory', 'models'],
    );
    expect(parseLine(JSON.stringify({ ...hello, toolsets: [] }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^toolsets: /),
    );
  });

  it('the doctor\'s question is {"ollm":"who"} and nothing else', () => {
    expect(parseLine('{"ollm":"who"}', whoSchema)).toEqual({ value: { ollm: 'who' } });
    expect(parseLine('{"ollm":"hello"}', whoSchema)).toHaveProperty('why', expect.stringMatching(/^ollm: /));
    expect(parseLine('{"ollm":"who","pid":1}', whoSchema)).toHaveProperty('why');
  });

  it('is refused with why when it is not JSON, has a member too many, a bad key or an unknown toolset', () => {
    expect(parseLine('{"ollm":', helloSchema)).toEqual({ why: 'not JSON' });
    expect(parseLine(JSON.stringify({ ...hello, extra: 1 }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/extra/),
    );
    expect(parseLine(JSON.stringify({ ...hello, key: '../../etc' }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^key:/),
    );
    expect(parseLine(JSON.stringify({ ...hello, toolsets: ['everything'] }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^toolsets/),
    );
    expect(parseLine(JSON.stringify({ ...hello, cwd: '' }), helloSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^cwd/),
    );
  });
});

describe("the server's answers", () => {
  it('to a hello: taken when it is ok or refused', () => {
    expect(parseLine('{"ollm":"ok","pid":3}', answerSchema)).toEqual({ value: { ollm: 'ok', pid: 3 } });
    expect(parseLine('{"ollm":"refused","why":"another version"}', answerSchema)).toEqual({
      value: { ollm: 'refused', why: 'another version' },
    });
  });

  const client = {
    name: 'claude-code',
    version: '1.2.3',
    pid: 7,
    cwd: '/work/x',
    project: 'x',
    since: '2026-11-24T16:00:00.000Z',
  };
  const who = { ollm: 'clients', pid: 9, version: '1.0.0', clients: [client] };

  it('to who: taken with every member at its bound', () => {
    expect(parseLine(JSON.stringify(who), whoAnswerSchema)).toEqual({ value: who });
    const widest = {
      name: 'n'.repeat(200),
      version: 'v'.repeat(200),
      pid: 7,
      cwd: 'c'.repeat(4096),
      project: 'p'.repeat(200),
      since: 's'.repeat(40),
    };
    const many = Array.from({ length: 10_000 }, () => ({ pid: 1, cwd: '/', since: 's' }));
    expect(
      parseLine(JSON.stringify({ ...who, version: 'v'.repeat(64), clients: [widest] }), whoAnswerSchema),
    ).toHaveProperty('value.clients', [widest]);
    expect(parseLine(JSON.stringify({ ...who, clients: many }), whoAnswerSchema)).toHaveProperty(
      'value.clients.length',
      10_000,
    );
  });

  it('to who: refused past a bound, with the path of what is wrong', () => {
    for (const [key, length] of [
      ['name', 201],
      ['version', 201],
      ['cwd', 4097],
      ['project', 201],
      ['since', 41],
    ] as const) {
      expect(
        parseLine(JSON.stringify({ ...who, clients: [{ ...client, [key]: 'x'.repeat(length) }] }), whoAnswerSchema),
        key,
      ).toHaveProperty('why', expect.stringMatching(new RegExp(`^clients\\.0\\.${key}: Too big`)));
    }
    expect(parseLine(JSON.stringify({ ...who, version: 'v'.repeat(65) }), whoAnswerSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^version: Too big/),
    );
    expect(
      parseLine(
        JSON.stringify({ ...who, clients: Array.from({ length: 10_001 }, () => ({ pid: 1, cwd: '/', since: 's' })) }),
        whoAnswerSchema,
      ),
    ).toHaveProperty('why', expect.stringMatching(/^clients: Too big/));
    expect(parseLine(JSON.stringify({ ...who, ollm: 'ok' }), whoAnswerSchema)).toHaveProperty(
      'why',
      expect.stringMatching(/^ollm: /),
    );
  });

  it(
    "to who: a build's key of exactly sixteen hex digits, and its home, settings file and start " +
      'within their bounds',
    () => {
      const full = {
        ...who,
        build: '0123456789ab',
        builtAt: 0,
        key: '0123456789abcdef',
        home: '/h',
        file: '/h/settings.json',
        since: '2026-11-24T16:00:00.000Z',
        daemon: true,
        retiring: false,
      };
      expect(parseLine(JSON.stringify(full), whoAnswerSchema)).toEqual({ value: full });
      const widest = { ...full, home: 'h'.repeat(4096), file: 'f'.repeat(4096), since: 's'.repeat(40) };
      expect(parseLine(JSON.stringify(widest), whoAnswerSchema)).toEqual({ value: widest });
      for (const [member, length] of [
        ['home', 4097],
        ['file', 4097],
        ['since', 41],
      ] as const) {
        expect(
          parseLine(JSON.stringify({ ...full, [member]: 'x'.repeat(length) }), whoAnswerSchema),
          member,
        ).toHaveProperty('why', expect.stringMatching(new RegExp(`^${member}: Too big`)));
      }
      for (const key of ['fedcba9876543210', '0000000000000000'])
        expect(parseLine(JSON.stringify({ ...full, key }), whoAnswerSchema), key).toHaveProperty('value.key', key);
      for (const key of [
        'x0123456789abcdef',
        '0123456789abcdefx',
        '0123456789abcde',
        '0123456789abcdef0',
        '0123456789ABCDEF',
        'a',
        'gggggggggggggggg',
      ]) {
        expect(parseLine(JSON.stringify({ ...full, key }), whoAnswerSchema), key).toHaveProperty(
          'why',
          expect.stringMatching(/^key: /),
        );
      }
    },
  );

  it('names the message itself when the whole of it is wrong, and every problem, one after another', () => {
    expect(parseLine('[]', whoAnswerSchema)).toEqual({
      why: 'message: Invalid input: expected object, received array',
    });
    expect(parseLine(JSON.stringify({ ...who, pid: 'x', version: 5 }), whoAnswerSchema)).toEqual({
      why:
        'pid: Invalid input: expected number, received string; version: Invalid input: expected ' +
        'string, received number',
    });
  });
});

describe("a client's own settings", () => {
  it('replace the shared ones, without changing them', async () => {
    const shared = (
      await loadConfig({
        env: { OLLM_HOME: tempDir('ollm-h-') },
        flags: [{ path: 'model.default', value: 'phi3', flag: '--model' }],
      })
    ).settings;
    const mine = withClientSettings(shared, { toolsets: ['memory'], defaultProfile: 'code', model: 'llama3.2' });
    expect(mine.toolsets).toEqual(['memory']);
    expect(mine.model.default).toBe('llama3.2');
    expect(mine.model.routing.defaultProfile).toBe('code');
    expect(mine.ram).toBe(shared.ram);
    expect(shared.model.default).toBe('phi3');
    expect(shared.toolsets).toEqual(['all']);
    // a client with no default model has none, whatever the first client had
    expect(withClientSettings(shared, { toolsets: ['all'], defaultProfile: 'general' }).model.default).toBeUndefined();
    expect(clientPart(mine)).toEqual({ toolsets: ['memory'], defaultProfile: 'code', model: 'llama3.2' });
    // no default model: none said, not one said to be undefined (the settings' own shape)
    const none = withClientSettings(shared, { toolsets: ['all'], defaultProfile: 'general' });
    expect('default' in none.model).toBe(false);
    expect(clientPart(none)).toStrictEqual({ toolsets: ['all'], defaultProfile: 'general' });
  });
});

describe("one client's view of the shared core", () => {
  it("has its own project, folder and settings; everything else, and every write, is the core's", async () => {
    const config = await loadConfig({ env: { OLLM_HOME: tempDir('ollm-h-') } });
    const orch = new Orchestrator(config);
    const mine = {
      ...config,
      settings: withClientSettings(config.settings, { toolsets: ['memory'], defaultProfile: 'code' }),
    };
    const project = { name: 'y', root: '/work/y', explicit: true, tools: { disabled: [] }, description: 'y' };
    const view = sessionView(orch, { config: mine, project, workingDir: '/work/y' });
    expect(view.project).toBe(project);
    expect(view.workingDir).toBe('/work/y');
    expect(view.settings.toolsets).toEqual(['memory']);
    expect(view.routing().defaultProfile).toBe('code');
    expect(orch.routing().defaultProfile).toBe('general');
    expect(orch.project).toBeUndefined();
    expect(view.loader).toBe(orch.loader);
    expect(view.hosts).toBe(orch.hosts);
    view.clients = () => [];
    expect(orch.clients).toBe(view.clients);
  });
});

describe('the forwarder reads lines', () => {
  it('whole lines across chunks with their id and method; a line over the limit passes raw', () => {
    const lines: Line[] = [];
    const raw: string[] = [];
    const l = new Lines(
      64,
      (line) => lines.push(line),
      (b) => raw.push(b.toString()),
    );
    l.push(Buffer.from('{"jsonrpc":"2.0","id":3,"meth'));
    l.push(Buffer.from('od":"tools/call","params":{"a":1}}\n{"jsonrpc":"2.0","id":3,"result":{}}\n'));
    expect(lines.map((x) => x.bytes.toString())).toEqual([
      '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"a":1}}\n',
      '{"jsonrpc":"2.0","id":3,"result":{}}\n',
    ]);
    expect(requestId(lines[0]!.head)).toBe(3);
    expect(responseId(lines[0]!.head)).toBeUndefined();
    expect(responseId(lines[1]!.head)).toBe(3);
    expect(requestId(lines[1]!.head)).toBeUndefined();
    const big = `{"id":9,"method":"x","params":"${'y'.repeat(100)}"}\n`;
    l.push(Buffer.from(big.slice(0, 70)));
    l.push(Buffer.from(`${big.slice(70)}{"id":"n","method":"ping"}\n`));
    expect(raw.join('')).toBe(big);
    expect(lines.at(-1)!.bytes.toString()).toBe('{"id":"n","method":"ping"}\n');
    expect(requestId(lines.at(-1)!.head)).toBe('n');
    expect(requestId({ method: 'notifications/initialized' })).toBeUndefined();
  });
});

describe('the command line', () => {
  it('--no-shared goes with serving on stdio only', () => {
    expect(parseCli(['--no-shared']).noShared).toBe(true);
    expect(parseCli([]).noShared).toBeUndefined();
    expect(() => parseCli(['--no-shared', '--transport', 'http'])).toThrow(UsageError);
    expect(() => parseCli(['doctor', '--no-shared'])).toThrow(/--no-shared goes with serving on stdio/);
  });

  it('daemon is a command, its options read as any other', () => {
    expect(parseCli(['daemon', '--model', 'serve']).command).toBe('daemon');
  });
});

describe('the first line of a connection', () => {
  it('is read with the bytes after it kept for what follows', async () => {
    const s = new PassThrough();
    const got = firstLine(s, 1000);
    s.write('{"ollm":"ok"');
    s.write(',"pid":1}\n{"jsonrpc"');
    expect(await got).toEqual({ line: '{"ollm":"ok","pid":1}', rest: Buffer.from('{"jsonrpc"') });
  });

  it('takes an empty first line and one of exactly the limit, and leaves no listener of its own on the stream', async () => {
    const s = new PassThrough();
    const got = firstLine(s, 1000);
    s.write('\n{"jsonrpc"');
    expect(await got).toEqual({ line: '', rest: Buffer.from('{"jsonrpc"') });
    expect(['data', 'end', 'error'].map((e) => s.listenerCount(e))).toEqual([0, 0, 0]);
    const exact = new PassThrough();
    const fits = firstLine(exact, 1000);
    exact.write('x'.repeat(MAX_HELLO_BYTES));
    exact.write('\n');
    expect((await fits).line).toHaveLength(MAX_HELLO_BYTES);
  });

  it('is refused with the error the stream broke with', async () => {
    const s = new PassThrough();
    const got = firstLine(s, 1000);
    s.destroy(new Error('connection reset'));
    await expect(got).rejects.toThrow('connection reset');
  });

  it('is refused when longer than the limit, late, or never sent', async () => {
    const long = new PassThrough();
    const tooLong = firstLine(long, 1000);
    long.write('x'.repeat(MAX_HELLO_BYTES));
    long.write('xx');
    await expect(tooLong).rejects.toThrow(`over ${MAX_HELLO_BYTES} bytes`);
    const exact = new PassThrough();
    const fits = firstLine(exact, 1000);
    exact.write(`${'x'.repeat(MAX_HELLO_BYTES - 1)}\n`);
    expect((await fits).line).toHaveLength(MAX_HELLO_BYTES - 1);
    await expect(firstLine(new PassThrough(), 20)).rejects.toThrow('no first line within 20 ms');
    const closed = new PassThrough();
    const none = firstLine(closed, 1000);
    closed.end('no newline');
    await expect(none).rejects.toThrow('closed before the first line');
  });
});
