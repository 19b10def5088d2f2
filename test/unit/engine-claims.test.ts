/**
 * One plan per engine (server/shared/engine-claims.ts): the claim file of an engine, who plans it
 * (this server, or another whose claim holds: its endpoint answers its token), claims that do not
 * hold taken over, and the claims a server made removed when it leaves.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFileSync, statSync, writeFileSync, existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { afterEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { EngineClaims, claimFile, engineKey, newToken, parseClaim, proves, type Endpoint } from '../../src/server/shared/engine-claims.js';
import { log } from '../../src/orchestrator/util/log.js';
import { tempDir } from '../helpers/temp.js';
import { closedAddress } from '../helpers/closed-address.js';

const ENGINE = 'http://127.0.0.1:11434';
const OTHER_PID = 999_999;
const servers: http.Server[] = [];
const spies: MockInstance[] = [];

afterEach(async () => {
  for (const spy of spies.splice(0)) spy.mockRestore();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.close(() => r());
          s.closeAllConnections(); // a hung request's socket too
        }),
    ),
  );
});

/** A live loopback endpoint: `answer` to its own token, 401 to any other; `hang` never answers at all; `onProbe` sees each request first. */
async function endpoint(answer: number | 'hang', token = newToken(), onProbe?: (req: http.IncomingMessage) => void): Promise<Endpoint> {
  const server = http.createServer((req, res) => {
    onProbe?.(req);
    if (answer === 'hang') return;
    res.statusCode = req.headers.authorization === `Bearer ${token}` ? answer : 401;
    res.end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, token };
}

const fileOf = (dir: string, url = ENGINE, kind = 'ollama') => claimFile(dir, engineKey(kind, url));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
/** Writes a claim of the engine as another server would (fields overridable). */
function writeClaim(dir: string, ep: Endpoint, extra: Record<string, unknown> = {}): string {
  const file = fileOf(dir);
  writeFileSync(file, JSON.stringify({ key: engineKey('ollama', ENGINE), pid: OTHER_PID, url: ep.url, token: ep.token, since: new Date().toISOString(), ...extra }), { mode: 0o600 });
  return file;
}
/** This server (process.pid), with its own endpoint; `start` counts the starts. */
async function me(dir: string) {
  const ep = await endpoint(405);
  const start = vi.fn(async () => ep);
  return { claims: new EngineClaims(dir, start), start, ep };
}
/** The lines logged at `level` from now on (kept off stderr). */
function logged(level: 'info' | 'warn'): () => string[] {
  const spy = vi.spyOn(log, level).mockImplementation(() => undefined);
  spies.push(spy);
  return () => spy.mock.calls.map(([line]) => line);
}
const asides = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.new'));
const KEY = engineKey('ollama', ENGINE);
/** Asserts the engine's claim is this server's now. */
function expectMine(dir: string, ep: Endpoint): void {
  expect(read(fileOf(dir))).toMatchObject({ key: engineKey('ollama', ENGINE), pid: process.pid, url: ep.url, token: ep.token });
}

describe('engineKey: one engine however its address is written', () => {
  it('every loopback name, a trailing slash, /v1 and default ports alike', () => {
    const key = engineKey('ollama', 'http://localhost:11434');
    for (const url of ['http://127.0.0.1:11434/', 'http://[::1]:11434', 'http://0.0.0.0:11434', 'http://LOCALHOST:11434/v1']) expect(engineKey('ollama', url)).toBe(key);
    expect(engineKey('llamacpp', 'http://h:8080/v1')).toBe(engineKey('llamacpp', 'http://h:8080'));
    expect(engineKey('llamacpp', 'http://h')).toBe(engineKey('llamacpp', 'http://h:80'));
    expect(engineKey('llamacpp', 'https://h')).toBe(engineKey('llamacpp', 'https://h:443'));
  });

  it('another port, host, kind or protocol is another engine', () => {
    const key = engineKey('ollama', 'http://localhost:11434');
    for (const other of [engineKey('ollama', 'http://localhost:11435'), engineKey('ollama', 'http://10.0.0.5:11434'), engineKey('llamacpp', 'http://localhost:11434')]) expect(other).not.toBe(key);
    expect(engineKey('llamacpp', 'https://h')).not.toBe(engineKey('llamacpp', 'http://h'));
    expect(engineKey('llamacpp', 'http://h:443')).not.toBe(engineKey('llamacpp', 'https://h:443'));
    expect(engineKey('llamacpp', 'https://h')).not.toBe(engineKey('llamacpp', 'https://h:80')); // https's default is 443
    expect(engineKey('llamacpp', 'http://h')).not.toBe(engineKey('llamacpp', 'http://h:443'));
  });

  it('the key itself (written in claims): kind, protocol, host or "loopback", port — the default when none —, path', () => {
    expect(engineKey('ollama', 'http://localhost:11434')).toBe('ollama http://loopback:11434');
    expect(engineKey('llamacpp', 'http://H')).toBe('llamacpp http://h:80');
    expect(engineKey('llamacpp', 'https://h/api/')).toBe('llamacpp https://h:443/api');
    expect(engineKey('llamacpp', 'http://[FE80::2]:8080')).toBe('llamacpp http://fe80::2:8080'); // brackets stripped
  });

  it('[::] and all of 127.0.0.0/8 are loopback; 127 further into an address is not', () => {
    expect(engineKey('ollama', 'http://[::]:11434')).toBe(KEY);
    expect(engineKey('ollama', 'http://127.0.0.2:11434')).toBe(KEY);
    expect(engineKey('ollama', 'http://10.127.0.1:11434')).toBe('ollama http://10.127.0.1:11434');
  });

  it('every trailing slash and a last /v1 folded; a /v1 further in is kept', () => {
    for (const url of ['http://h:8080/v1/', 'http://h:8080//', 'http://h:8080/v1//']) expect(engineKey('llamacpp', url), url).toBe(engineKey('llamacpp', 'http://h:8080'));
    expect(engineKey('llamacpp', 'http://h:8080/x/v1')).toBe(engineKey('llamacpp', 'http://h:8080/x'));
    expect(engineKey('llamacpp', 'http://h:8080/v1/x')).toBe('llamacpp http://h:8080/v1/x');
  });

  it('claimFile: engine-, the first 16 hex digits of the sha256 of the key, .json', () => {
    expect(claimFile('/run/d', KEY)).toBe(join('/run/d', `engine-${createHash('sha256').update(KEY).digest('hex').slice(0, 16)}.json`));
  });
});

describe('parseClaim', () => {
  const good = { key: 'ollama http://loopback:11434', pid: 4242, url: 'http://127.0.0.1:5000/mcp', token: 'a'.repeat(64), since: '2024-01-01T00:00:00.000Z' };
  const parse = (over: Record<string, unknown>) => parseClaim(JSON.stringify({ ...good, ...over }));

  it('a good claim, exactly; tokens of 16 and 200 characters, pid 1', () => {
    expect(parseClaim(JSON.stringify(good))).toEqual({ key: good.key, pid: 4242, url: good.url, token: good.token });
    expect(parse({ token: 't'.repeat(16) })?.token).toBe('t'.repeat(16));
    expect(parse({ token: 't'.repeat(200) })?.token).toBe('t'.repeat(200));
    expect(parse({ pid: 1 })?.pid).toBe(1);
  });

  it('refuses each bad field', () => {
    for (const over of [{ pid: 0 }, { pid: -1 }, { pid: 1.5 }, { pid: '4242' }, { token: 't'.repeat(15) }, { token: 't'.repeat(201) }, { url: 'https://127.0.0.1:5000/mcp' }, { url: 'http://localhost:5000/mcp' }, { url: 'http://10.0.0.1:5000/mcp' }, { url: 'not a url' }, { key: undefined }, { key: 7 }, { url: 5000 }, { url: [good.url] }, { token: 1234567890123456 }, { token: [...'t'.repeat(16)] }]) {
      expect(parse(over), JSON.stringify(over)).toBeUndefined();
    }
    expect(parseClaim('not json')).toBeUndefined();
    expect(parseClaim('null')).toBeUndefined();
    for (const text of ['42', '"text"', 'true', '[]']) expect(parseClaim(text), text).toBeUndefined();
  });
});

describe('proves: the endpoint answers its token', () => {
  it('true for 405 with the token, false for 401', async () => {
    const ep = await endpoint(405);
    expect(await proves({ ...ep, pid: OTHER_PID })).toBe(true);
    expect(await proves({ url: ep.url, token: newToken(), pid: OTHER_PID })).toBe(false);
  });

  it('asks with GET, its token and the accept header of an MCP endpoint', async () => {
    const seen: http.IncomingMessage[] = [];
    const ep = await endpoint(405, newToken(), (req) => seen.push(req));
    await proves({ ...ep, pid: OTHER_PID });
    expect(seen.map((r) => [r.method, r.url, r.headers.authorization, r.headers.accept])).toEqual([['GET', '/mcp', `Bearer ${ep.token}`, 'application/json, text/event-stream']]);
  });

  it('false when it never answers within the limit, or nothing listens', async () => {
    const hung = await endpoint('hang');
    expect(await proves({ ...hung, pid: OTHER_PID }, 200)).toBe(false);
    expect(await proves({ url: `http://${await closedAddress()}/mcp`, token: newToken(), pid: OTHER_PID })).toBe(false);
  });
});

describe('EngineClaims: who plans an engine', () => {
  it('a free engine: this server claims it (0600, its pid, url and token), starting its endpoint once for two engines', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims, start, ep } = await me(dir);
    const info = logged('info');
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    const file = fileOf(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expectMine(dir, ep);
    expect(asides(dir)).toEqual([]); // the file written aside is gone once linked
    expect(info()).toEqual([`engine ${KEY}: this server plans its memory (claim ${file})`]);
    expect(await claims.claim('llamacpp', 'http://127.0.0.1:8080').planner()).toBeUndefined();
    expect(read(fileOf(dir, 'http://127.0.0.1:8080', 'llamacpp'))).toMatchObject({ pid: process.pid, url: ep.url, token: ep.token });
    expect(start).toHaveBeenCalledTimes(1);

    const text = readFileSync(file, 'utf8');
    expect(await claims.claim('ollama', 'http://localhost:11434/').planner()).toBeUndefined(); // the same engine, its own claim
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it("another server's claim that holds: its url, token and pid; this server starts nothing", async () => {
    const dir = tempDir('ollm-claims-');
    const theirs = await endpoint(405);
    expect(await new EngineClaims(dir, async () => theirs, OTHER_PID).claim('ollama', ENGINE).planner()).toBeUndefined();
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', 'http://localhost:11434').planner()).toEqual({ url: theirs.url, token: theirs.token, pid: OTHER_PID });
    expect(start).not.toHaveBeenCalled();
    expect(read(fileOf(dir)).pid).toBe(OTHER_PID);
  });

  it('holds on any answer but 401/403 (404, 405, 200): kept', async () => {
    for (const answer of [404, 405, 200]) {
      const dir = tempDir('ollm-claims-');
      const theirs = await endpoint(answer);
      writeClaim(dir, theirs);
      const { claims, start } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner(), String(answer)).toEqual({ url: theirs.url, token: theirs.token, pid: OTHER_PID });
      expect(start).not.toHaveBeenCalled();
    }
  });

  it('taken over when nothing listens at its endpoint, or it refuses the token (401, 403)', async () => {
    const gone = { url: `http://${await closedAddress()}/mcp`, token: newToken() };
    const wrongToken = { url: (await endpoint(405)).url, token: newToken() };
    const forbidden = await endpoint(403);
    const info = logged('info');
    for (const theirs of [gone, wrongToken, forbidden]) {
      const dir = tempDir('ollm-claims-');
      writeClaim(dir, theirs);
      const { claims, ep } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner(), theirs.url).toBeUndefined();
      expectMine(dir, ep);
    }
    expect(info().filter((line) => line === `engine ${KEY}: its claim by process ${OTHER_PID} does not hold (its endpoint does not answer): taken over`)).toHaveLength(3);
  });

  it('an unreadable claim (garbage, over 4096 bytes) is taken over; a live claim under the limit holds', async () => {
    const theirs = await endpoint(405);
    const garbage = tempDir('ollm-claims-');
    writeFileSync(fileOf(garbage), '{"key": garbage');
    const big = tempDir('ollm-claims-');
    writeClaim(big, theirs, { pad: 'x'.repeat(4096) }); // would hold but for its size
    const info = logged('info');
    for (const dir of [garbage, big]) {
      const { claims, ep } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
      expectMine(dir, ep);
    }
    expect(info().filter((line) => line === `engine ${KEY}: its claim is unreadable: taken over`)).toHaveLength(2);
    const padded = tempDir('ollm-claims-');
    writeClaim(padded, theirs, { pad: 'x'.repeat(3000) });
    expect(await (await me(padded)).claims.claim('ollama', ENGINE).planner()).toEqual({ url: theirs.url, token: theirs.token, pid: OTHER_PID });
  });

  it("a live claim naming another engine's key in this engine's file is not trusted: taken over", async () => {
    const dir = tempDir('ollm-claims-');
    writeClaim(dir, await endpoint(405), { key: engineKey('ollama', 'http://127.0.0.1:9999') });
    const { claims, ep } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expectMine(dir, ep);
  });

  it('two servers claiming a free engine at once: one plans it, the other is sent to it', async () => {
    for (let round = 0; round < 20; round++) {
      const dir = tempDir('ollm-claims-');
      const a = await me(dir);
      const bEp = await endpoint(405);
      const b = new EngineClaims(dir, async () => bEp, OTHER_PID);
      const [pa, pb] = await Promise.all([a.claims.claim('ollama', ENGINE).planner(), b.claim('ollama', ENGINE).planner()]);
      const held = read(fileOf(dir));
      if (held.pid === process.pid) {
        expect([pa, pb]).toEqual([undefined, { url: a.ep.url, token: a.ep.token, pid: process.pid }]);
      } else {
        expect(held.pid).toBe(OTHER_PID);
        expect([pa, pb]).toEqual([{ url: bEp.url, token: bEp.token, pid: OTHER_PID }, undefined]);
      }
    }
  });

  it('a claim that cannot be made (its folder is gone): this server plans the engine, as before claims', async () => {
    const { claims, start } = await me(`${tempDir('ollm-claims-')}/gone`);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('a claim of exactly 4096 bytes is read; one of 4097 is not (taken over)', async () => {
    const theirs = await endpoint(405);
    const base = JSON.stringify({ key: KEY, pid: OTHER_PID, url: theirs.url, token: theirs.token, pad: '' });
    for (const size of [4096, 4097]) {
      const dir = tempDir('ollm-claims-');
      writeFileSync(fileOf(dir), JSON.stringify({ key: KEY, pid: OTHER_PID, url: theirs.url, token: theirs.token, pad: 'x'.repeat(size - base.length) }));
      expect(statSync(fileOf(dir)).size).toBe(size);
      const { claims, ep } = await me(dir);
      const planner = await claims.claim('ollama', ENGINE).planner();
      if (size === 4096) {
        expect(planner).toEqual({ url: theirs.url, token: theirs.token, pid: OTHER_PID });
      } else {
        expect(planner).toBeUndefined();
        expectMine(dir, ep);
      }
    }
  });

  it('a claim gone between its read and its removal: taken over all the same', async () => {
    const dir = tempDir('ollm-claims-');
    writeClaim(dir, await endpoint(403, newToken(), () => unlinkSync(fileOf(dir)))); // the proof removes it
    const info = logged('info');
    const { claims, ep } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expectMine(dir, ep);
    expect(info()[0]).toBe(`engine ${KEY}: its claim by process ${OTHER_PID} does not hold (its endpoint does not answer): taken over`);
  });

  it('a claim replaced between its read and its removal is not removed: the new one is read and holds', async () => {
    const dir = tempDir('ollm-claims-');
    const next = await endpoint(405);
    writeClaim(dir, await endpoint(403, newToken(), () => writeClaim(dir, next, { pid: OTHER_PID + 1 }))); // replaced while proved
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toEqual({ url: next.url, token: next.token, pid: OTHER_PID + 1 });
    expect(start).not.toHaveBeenCalled();
    expect(read(fileOf(dir)).pid).toBe(OTHER_PID + 1);
  });

  it('a claim that changes every time it is read: three reads, then this server plans the engine, saying so', async () => {
    const dir = tempDir('ollm-claims-');
    let proofs = 0;
    const theirs: Endpoint = await endpoint(403, newToken(), () => writeClaim(dir, theirs, { n: ++proofs }));
    writeClaim(dir, theirs, { n: 0 });
    const warn = logged('warn');
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(proofs).toBe(3);
    expect(start).not.toHaveBeenCalled();
    expect(read(fileOf(dir))).toMatchObject({ pid: OTHER_PID, n: 3 }); // not taken
    expect(warn()).toEqual([`engine ${KEY}: could not settle who plans it (its claim changed three times while read): this server plans it`]);
  });

  it('a claim that cannot be read (a folder in its place): this server plans the engine, claiming nothing', async () => {
    const dir = tempDir('ollm-claims-');
    mkdirSync(fileOf(dir));
    const warn = logged('warn');
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(start).not.toHaveBeenCalled();
    expect(warn()).toHaveLength(1);
    expect(warn()[0]).toMatch(new RegExp(`^engine ${KEY}: could not settle who plans it \\(EISDIR: .*\\): this server plans it$`));
  });

  it('warm() starts the endpoint at once, and only once for the claims after it', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims, start } = await me(dir);
    claims.warm();
    expect(start).toHaveBeenCalledTimes(1);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(await claims.claim('llamacpp', 'http://127.0.0.1:8080').planner()).toBeUndefined();
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('an endpoint that fails to start (warmed or not): no claim, this server plans, saying so', async () => {
    const warn = logged('warn');
    for (const warmed of [true, false]) {
      const dir = tempDir('ollm-claims-');
      const start = vi.fn(async (): Promise<Endpoint> => Promise.reject(new Error('no port')));
      const claims = new EngineClaims(dir, start);
      if (warmed) claims.warm();
      expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
      expect(start).toHaveBeenCalledTimes(1);
      expect(readdirSync(dir)).toEqual([]);
    }
    expect(warn()).toEqual(Array(2).fill(`engine ${KEY}: could not settle who plans it (no port): this server plans it`));
  });
});

describe('releaseSync', () => {
  it('removes the claims this server made, and leaves one another server has replaced', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims } = await me(dir);
    await claims.claim('ollama', ENGINE).planner();
    await claims.claim('llamacpp', 'http://127.0.0.1:8080').planner();
    const replaced = writeClaim(dir, await endpoint(405)); // the ollama claim, now another server's
    const own = fileOf(dir, 'http://127.0.0.1:8080', 'llamacpp');
    expect(existsSync(own)).toBe(true);
    claims.releaseSync();
    expect(existsSync(own)).toBe(false);
    expect(read(replaced).pid).toBe(OTHER_PID);
  });

  it('keeps a claim it made whose contents are no claim now', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims } = await me(dir);
    await claims.claim('ollama', ENGINE).planner();
    writeFileSync(fileOf(dir), 'garbage');
    claims.releaseSync();
    expect(readFileSync(fileOf(dir), 'utf8')).toBe('garbage');
  });
});
