import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/orchestrator/config/index.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { parseCli, UsageError, withoutCommand } from '../../src/server/args.js';
import { sessionView } from '../../src/server/core.js';
import { PassThrough } from 'node:stream';
import { MAX_HELLO_BYTES, clientPart, firstLine, helloSchema, parseLine, withClientSettings } from '../../src/server/shared/hello.js';
import { Lines, requestId, responseId, type Line } from '../../src/server/shared/lines.js';
import { tempDir } from '../helpers/temp.js';

const hello = { ollm: 'hello', version: '1.0.0', key: '0123456789abcdef', pid: 42, cwd: '/work/x', toolsets: ['all'], defaultProfile: 'general' };

describe('the hello', () => {
  it('is taken when it is one', () => {
    expect(parseLine(JSON.stringify(hello), helloSchema)).toEqual({ value: hello });
    expect(parseLine(JSON.stringify({ ...hello, project: 'sub', model: 'llama3.2' }), helloSchema)).toHaveProperty('value.project', 'sub');
  });

  it('is refused with why when it is not JSON, has a member too many, a bad key or an unknown toolset', () => {
    expect(parseLine('{"ollm":', helloSchema)).toEqual({ why: 'not JSON' });
    expect(parseLine(JSON.stringify({ ...hello, extra: 1 }), helloSchema)).toHaveProperty('why', expect.stringMatching(/extra/));
    expect(parseLine(JSON.stringify({ ...hello, key: '../../etc' }), helloSchema)).toHaveProperty('why', expect.stringMatching(/^key:/));
    expect(parseLine(JSON.stringify({ ...hello, toolsets: ['everything'] }), helloSchema)).toHaveProperty('why', expect.stringMatching(/^toolsets/));
    expect(parseLine(JSON.stringify({ ...hello, cwd: '' }), helloSchema)).toHaveProperty('why', expect.stringMatching(/^cwd/));
  });
});

describe("a client's own settings", () => {
  it('replace the shared ones, without changing them', async () => {
    const shared = (await loadConfig({ env: { OLLM_HOME: tempDir('ollm-h-') }, flags: [{ path: 'model.default', value: 'phi3', flag: '--model' }] })).settings;
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
  });
});

describe("one client's view of the shared core", () => {
  it('has its own project, folder and settings; everything else, and every write, is the core\'s', async () => {
    const config = await loadConfig({ env: { OLLM_HOME: tempDir('ollm-h-') } });
    const orch = new Orchestrator(config);
    const mine = { ...config, settings: withClientSettings(config.settings, { toolsets: ['memory'], defaultProfile: 'code' }) };
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
    const l = new Lines(64, (line) => lines.push(line), (b) => raw.push(b.toString()));
    l.push(Buffer.from('{"jsonrpc":"2.0","id":3,"meth'));
    l.push(Buffer.from('od":"tools/call","params":{"a":1}}\n{"jsonrpc":"2.0","id":3,"result":{}}\n'));
    expect(lines.map((x) => x.bytes.toString())).toEqual(['{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"a":1}}\n', '{"jsonrpc":"2.0","id":3,"result":{}}\n']);
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

  it('the shared server is started with the options, not the command word', () => {
    expect(withoutCommand(['serve', '--model', 'serve', '--project', 'x'])).toEqual(['--model', 'serve', '--project', 'x']);
    expect(withoutCommand(['--toolsets', 'memory'])).toEqual(['--toolsets', 'memory']);
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
