/**
 * One plan per engine (server/shared/engine-claims.ts): the claim file of an engine, who plans it
 * (this server, or another whose claim holds: its endpoint answers its token), claims that do not
 * hold taken over, and the claims a server made removed when it leaves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineClaims, claimFile, engineKey, newToken, parseClaim, proves, type Endpoint } from '../../src/server/shared/engine-claims.js';
import { tempDir } from '../helpers/temp.js';
import { closedAddress } from '../helpers/closed-address.js';

const ENGINE = 'http://127.0.0.1:11434';
const OTHER_PID = 999_999;
const servers: http.Server[] = [];

afterEach(async () => {
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

/** A live loopback endpoint: `answer` to its own token, 401 to any other; `hang` never answers at all. */
async function endpoint(answer: number | 'hang', token = newToken()): Promise<Endpoint> {
  const server = http.createServer((req, res) => {
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
    for (const over of [{ pid: 0 }, { pid: -1 }, { pid: 1.5 }, { pid: '4242' }, { token: 't'.repeat(15) }, { token: 't'.repeat(201) }, { url: 'https://127.0.0.1:5000/mcp' }, { url: 'http://localhost:5000/mcp' }, { url: 'http://10.0.0.1:5000/mcp' }, { url: 'not a url' }, { key: undefined }, { key: 7 }]) {
      expect(parse(over), JSON.stringify(over)).toBeUndefined();
    }
    expect(parseClaim('not json')).toBeUndefined();
    expect(parseClaim('null')).toBeUndefined();
  });
});

describe('proves: the endpoint answers its token', () => {
  it('true for 405 with the token, false for 401', async () => {
    const ep = await endpoint(405);
    expect(await proves({ ...ep, pid: OTHER_PID })).toBe(true);
    expect(await proves({ url: ep.url, token: newToken(), pid: OTHER_PID })).toBe(false);
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
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    const file = fileOf(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expectMine(dir, ep);
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
    for (const theirs of [gone, wrongToken, forbidden]) {
      const dir = tempDir('ollm-claims-');
      writeClaim(dir, theirs);
      const { claims, ep } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner(), theirs.url).toBeUndefined();
      expectMine(dir, ep);
    }
  });

  it('an unreadable claim (garbage, over 4096 bytes) is taken over; a live claim under the limit holds', async () => {
    const theirs = await endpoint(405);
    const garbage = tempDir('ollm-claims-');
    writeFileSync(fileOf(garbage), '{"key": garbage');
    const big = tempDir('ollm-claims-');
    writeClaim(big, theirs, { pad: 'x'.repeat(4096) }); // would hold but for its size
    for (const dir of [garbage, big]) {
      const { claims, ep } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
      expectMine(dir, ep);
    }
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
});
