/**
 * One plan per engine (server/shared/engine-claims.ts): the claim file of an engine, who plans it
 * (this server, or another whose claim holds: its process lives and its endpoint answers a
 * challenge with its pid and its token's MAC, never being sent the token), claims that do not hold
 * taken over, and the claims a server made removed when it leaves.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  readFileSync,
  statSync,
  writeFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  unlinkSync,
  symlinkSync,
  lstatSync,
} from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { EngineClaims, HOLD_READ_MS, newToken, type Endpoint } from '../../src/server/shared/engine-claims.js';
import { CHALLENGE_HEADER, answerChallenge, claimMac, provenBy, proves } from '../../src/server/shared/claim-proof.js';
import { claimFile, engineKey, parseClaim } from '../../src/server/shared/claim-record.js';
import { log } from '../../src/orchestrator/util/log.js';
import { notServedAnswer } from '../../src/server/create-server.js';
import { tempDir } from '../helpers/temp.js';
import { closedAddress } from '../helpers/closed-address.js';

const ENGINE = 'http://127.0.0.1:11434';
/** Another server's pid: a live process of this user (the test runner's parent). */
const OTHER_PID = process.ppid;
const servers: http.Server[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
/** The pid of a live process of this user (a child that waits), killed after the file. */
function liveChild(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}
/** A pid no process has now: a child's, after it exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;
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

/**
 * A live loopback endpoint: `prove` answers a challenge as a claim's endpoint does (pid `pid`);
 * `wrong mac` with another token's MAC, `other pid` with its MAC for another pid, `200 {}` and a
 * status code whatever it is asked, `hang` never answers at all; `onProbe` sees each request first.
 */
type Answer = 'prove' | 'wrong mac' | 'other pid' | '200 {}' | 'hang' | number;
async function endpoint(
  answer: Answer = 'prove',
  token = newToken(),
  onProbe?: (req: http.IncomingMessage) => void,
  pid = OTHER_PID,
): Promise<Endpoint> {
  const server = http.createServer((req, res) => {
    onProbe?.(req);
    if (answer === 'hang') return;
    if (answer === '200 {}') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (typeof answer === 'number') return void res.writeHead(answer).end();
    const [key, as] =
      answer === 'wrong mac' ? [newToken(), pid] : answer === 'other pid' ? [token, pid + 1] : [token, pid];
    if (!answerChallenge(req, res, key, as)) res.writeHead(401).end();
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
  writeFileSync(
    file,
    JSON.stringify({
      key: engineKey('ollama', ENGINE),
      pid: OTHER_PID,
      url: ep.url,
      token: ep.token,
      since: new Date().toISOString(),
      ...extra,
    }),
    { mode: 0o600 },
  );
  return file;
}
/** This server (process.pid), with its own endpoint; `start` counts the starts. */
async function me(dir: string) {
  const ep = await endpoint('prove', newToken(), undefined, process.pid);
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
  expect(read(fileOf(dir))).toMatchObject({
    key: engineKey('ollama', ENGINE),
    pid: process.pid,
    url: ep.url,
    token: ep.token,
  });
}

describe('engineKey: one engine however its address is written', () => {
  it('every loopback name, a trailing slash, /v1 and default ports alike', () => {
    const key = engineKey('ollama', 'http://localhost:11434');
    for (const url of [
      'http://127.0.0.1:11434/',
      'http://[::1]:11434',
      'http://0.0.0.0:11434',
      'http://LOCALHOST:11434/v1',
    ])
      expect(engineKey('ollama', url)).toBe(key);
    expect(engineKey('llamacpp', 'http://h:8080/v1')).toBe(engineKey('llamacpp', 'http://h:8080'));
    expect(engineKey('llamacpp', 'http://h')).toBe(engineKey('llamacpp', 'http://h:80'));
    expect(engineKey('llamacpp', 'https://h')).toBe(engineKey('llamacpp', 'https://h:443'));
  });

  it('another port, host, kind or protocol is another engine', () => {
    const key = engineKey('ollama', 'http://localhost:11434');
    for (const other of [
      engineKey('ollama', 'http://localhost:11435'),
      engineKey('ollama', 'http://10.0.0.5:11434'),
      engineKey('llamacpp', 'http://localhost:11434'),
    ])
      expect(other).not.toBe(key);
    expect(engineKey('llamacpp', 'https://h')).not.toBe(engineKey('llamacpp', 'http://h'));
    expect(engineKey('llamacpp', 'http://h:443')).not.toBe(engineKey('llamacpp', 'https://h:443'));
    // https's default is 443
    expect(engineKey('llamacpp', 'https://h')).not.toBe(engineKey('llamacpp', 'https://h:80'));
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
    for (const url of ['http://h:8080/v1/', 'http://h:8080//', 'http://h:8080/v1//'])
      expect(engineKey('llamacpp', url), url).toBe(engineKey('llamacpp', 'http://h:8080'));
    expect(engineKey('llamacpp', 'http://h:8080/x/v1')).toBe(engineKey('llamacpp', 'http://h:8080/x'));
    expect(engineKey('llamacpp', 'http://h:8080/v1/x')).toBe('llamacpp http://h:8080/v1/x');
  });

  it('claimFile: engine-, the first 16 hex digits of the sha256 of the key, .json', () => {
    expect(claimFile('/run/d', KEY)).toBe(
      join('/run/d', `engine-${createHash('sha256').update(KEY).digest('hex').slice(0, 16)}.json`),
    );
  });
});

describe('parseClaim', () => {
  const good = {
    key: 'ollama http://loopback:11434',
    pid: 4242,
    url: 'http://127.0.0.1:5000/mcp',
    token: 'a'.repeat(64),
    since: '2024-01-01T00:00:00.000Z',
  };
  const parse = (over: Record<string, unknown>) => parseClaim(JSON.stringify({ ...good, ...over }));

  it('a good claim, exactly; tokens of 16 and 200 characters, pid 1', () => {
    expect(parseClaim(JSON.stringify(good))).toEqual({ key: good.key, pid: 4242, url: good.url, token: good.token });
    expect(parse({ token: 't'.repeat(16) })?.token).toBe('t'.repeat(16));
    expect(parse({ token: 't'.repeat(200) })?.token).toBe('t'.repeat(200));
    expect(parse({ pid: 1 })?.pid).toBe(1);
  });

  it('refuses each bad field', () => {
    for (const over of [
      { pid: 0 },
      { pid: -1 },
      { pid: 1.5 },
      { pid: '4242' },
      { token: 't'.repeat(15) },
      { token: 't'.repeat(201) },
      { url: 'https://127.0.0.1:5000/mcp' },
      { url: 'http://localhost:5000/mcp' },
      { url: 'http://10.0.0.1:5000/mcp' },
      { url: 'not a url' },
      { key: undefined },
      { key: 7 },
      { url: 5000 },
      { url: [good.url] },
      { token: 1234567890123456 },
      { token: [...'t'.repeat(16)] },
    ]) {
      expect(parse(over), JSON.stringify(over)).toBeUndefined();
    }
    expect(parseClaim('not json')).toBeUndefined();
    expect(parseClaim('null')).toBeUndefined();
    for (const text of ['42', '"text"', 'true', '[]']) expect(parseClaim(text), text).toBeUndefined();
  });
});

describe('proves: a challenge the token alone answers', () => {
  it("true for a genuine endpoint: the claim's pid and its token's MAC over a fresh nonce", async () => {
    const ep = await endpoint('prove');
    expect(await proves({ ...ep, pid: OTHER_PID })).toBe(true);
  });

  it('never sends the token: a GET with a fresh 64-hex nonce and no authorization', async () => {
    const seen: http.IncomingMessage[] = [];
    const ep = await endpoint('prove', newToken(), (req) => seen.push(req));
    await proves({ ...ep, pid: OTHER_PID });
    await proves({ ...ep, pid: OTHER_PID });
    expect(seen.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ['GET', '/mcp', undefined],
      ['GET', '/mcp', undefined],
    ]);
    const nonces = seen.map((r) => r.headers[CHALLENGE_HEADER]);
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{64}$/);
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(JSON.stringify(seen.map((r) => r.headers))).not.toContain(ep.token);
  });

  it('false for anything but the proof: 200 {}, 405, 401, 404, a wrong MAC, another pid', async () => {
    for (const answer of ['200 {}', 405, 401, 404, 'wrong mac', 'other pid'] as const) {
      const ep = await endpoint(answer);
      expect(await proves({ ...ep, pid: OTHER_PID }), String(answer)).toBe(false);
    }
  });

  it("false for the right answer to another claim's token: the MAC is the token's", async () => {
    const ep = await endpoint('prove');
    expect(await proves({ url: ep.url, token: newToken(), pid: OTHER_PID })).toBe(false);
  });

  it('false when the process named is gone: its port is not even asked', async () => {
    const seen: http.IncomingMessage[] = [];
    const ep = await endpoint('prove', newToken(), (req) => seen.push(req));
    expect(await proves({ ...ep, pid: OTHER_PID }, 1500, () => false)).toBe(false);
    expect(seen).toEqual([]);
  });

  it('false when it never answers within the limit, answers too much, or nothing listens', async () => {
    const hung = await endpoint('hang');
    expect(await proves({ ...hung, pid: OTHER_PID }, 200)).toBe(false);
    const big = http.createServer((_req, res) => res.writeHead(200).end('x'.repeat(600)));
    servers.push(big);
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', () => r()));
    expect(
      await proves({
        url: `http://127.0.0.1:${(big.address() as AddressInfo).port}/mcp`,
        token: newToken(),
        pid: OTHER_PID,
      }),
    ).toBe(false);
    expect(await proves({ url: `http://${await closedAddress()}/mcp`, token: newToken(), pid: OTHER_PID })).toBe(false);
  });

  it('the answer read is bounded and a 200: a right proof past 512 bytes, or under 203, is none', async () => {
    const token = newToken();
    const padded = (bytes: number, status = 200) => {
      const server = http.createServer((req, res) => {
        const nonce = String(req.headers[CHALLENGE_HEADER]);
        const proof = { pid: OTHER_PID, mac: claimMac(token, nonce, OTHER_PID) };
        const body = JSON.stringify({ ...proof, pad: '' });
        res.writeHead(status).end(JSON.stringify({ ...proof, pad: ' '.repeat(bytes - body.length) }));
      });
      servers.push(server);
      return new Promise<string>((r) =>
        server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`)),
      );
    };
    // the bound alone stands between: the same proof is taken at 512 bytes and refused at 513
    expect(await proves({ url: await padded(512), token, pid: OTHER_PID })).toBe(true);
    expect(await proves({ url: await padded(513), token, pid: OTHER_PID })).toBe(false);
    // and only a 200 is an answer: the same proof under another status is none
    expect(await proves({ url: await padded(200, 203), token, pid: OTHER_PID })).toBe(false);
  });

  it('a trickling answer is cut at the limit: no proof, and the connection closed by the prover', async () => {
    let cut!: () => void;
    const closed = new Promise<void>((r) => (cut = r));
    const slow = http.createServer((_req, res) => {
      res.writeHead(200);
      const t = setInterval(() => res.write(' '), 50); // never ends, never past the answer's bytes
      res.on('close', () => (clearInterval(t), cut()));
    });
    servers.push(slow);
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    expect(
      await proves(
        { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/mcp`, token: newToken(), pid: OTHER_PID },
        300,
      ),
    ).toBe(false);
    await closed; // the prover let go of it (the server closed nothing itself)
  });
});

describe('answerChallenge and provenBy', () => {
  const nonce = 'ab'.repeat(32);
  const token = newToken();
  const ask = async (headers: Record<string, string>) => {
    const ep = await endpoint('prove', token);
    const res = await fetch(ep.url, { headers });
    return { status: res.status, body: await res.text() };
  };

  it('answers a challenge with the pid and the MAC, and nothing else; any other request is not its', async () => {
    const { status, body } = await ask({ [CHALLENGE_HEADER]: nonce });
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ pid: OTHER_PID, mac: claimMac(token, nonce, OTHER_PID) });
    expect(body).not.toContain(token);
    expect((await ask({ authorization: `Bearer ${token}` })).status).toBe(401); // not a challenge: the endpoint's own
    expect((await ask({ [CHALLENGE_HEADER]: 'short' })).status).toBe(400);
  });

  it('provenBy: only the MAC of the token over this nonce and this pid', () => {
    const held = { url: 'http://127.0.0.1:1/mcp', token, pid: 4242 };
    const answer = (over: Record<string, unknown> = {}) =>
      JSON.stringify({ pid: 4242, mac: claimMac(token, nonce, 4242), ...over });
    expect(provenBy(answer(), held, nonce)).toBe(true);
    expect(provenBy(answer(), held, 'cd'.repeat(32))).toBe(false); // another nonce: a replayed answer
    expect(provenBy(answer({ pid: 4243 }), held, nonce)).toBe(false);
    expect(provenBy(answer({ mac: claimMac(token, nonce, 4243) }), held, nonce)).toBe(false);
    expect(provenBy(answer({ mac: claimMac(newToken(), nonce, 4242) }), held, nonce)).toBe(false);
    for (const bad of [
      '{}',
      'null',
      'not json',
      '[]',
      answer({ mac: 'zz' }),
      answer({ mac: 7 }),
      answer({ pid: '4242' }),
    ])
      expect(provenBy(bad, held, nonce), bad).toBe(false);
  });

  it('claimMac: HMAC-SHA256 of the token over a fixed label, the nonce and the pid', () => {
    expect(claimMac('k'.repeat(32), nonce, 7)).toBe(
      createHmac('sha256', 'k'.repeat(32)).update(`ollm-mcp engine claim\n${nonce}\n7`).digest('hex'),
    );
  });
});

describe('EngineClaims: who plans an engine', () => {
  it(
    'a free engine: this server claims it (0600, its pid, url and token), starting its endpoint ' +
      'once for two engines',
    async () => {
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
      expect(read(fileOf(dir, 'http://127.0.0.1:8080', 'llamacpp'))).toMatchObject({
        pid: process.pid,
        url: ep.url,
        token: ep.token,
      });
      expect(start).toHaveBeenCalledTimes(1);

      const text = readFileSync(file, 'utf8');
      // the same engine, its own claim
      expect(await claims.claim('ollama', 'http://localhost:11434/').planner()).toBeUndefined();
      expect(readFileSync(file, 'utf8')).toBe(text);
    },
  );

  it("another server's claim that holds: its url, token and pid; this server starts nothing", async () => {
    const dir = tempDir('ollm-claims-');
    const theirs = await endpoint('prove');
    expect(
      await new EngineClaims(dir, async () => theirs, OTHER_PID).claim('ollama', ENGINE).planner(),
    ).toBeUndefined();
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', 'http://localhost:11434').planner()).toEqual({
      url: theirs.url,
      token: theirs.token,
      pid: OTHER_PID,
    });
    expect(start).not.toHaveBeenCalled();
    expect(read(fileOf(dir)).pid).toBe(OTHER_PID);
  });

  it(
    'taken over on any answer but the proof (200 {}, 404, 405, a wrong MAC, another pid), ' +
      "nothing listening, or its token not the endpoint's",
    async () => {
      const gone = { url: `http://${await closedAddress()}/mcp`, token: newToken() };
      const wrongToken = { url: (await endpoint('prove')).url, token: newToken() };
      const others = await Promise.all(
        (['200 {}', 404, 405, 403, 'wrong mac', 'other pid'] as const).map((a) => endpoint(a)),
      );
      const info = logged('info');
      for (const theirs of [gone, wrongToken, ...others]) {
        const dir = tempDir('ollm-claims-');
        writeClaim(dir, theirs);
        const { claims, ep } = await me(dir);
        expect(await claims.claim('ollama', ENGINE).planner(), theirs.url).toBeUndefined();
        expectMine(dir, ep);
      }
      expect(
        info().filter(
          (line) =>
            line ===
            `engine ${KEY}: its claim by process ${OTHER_PID} does not hold (it does not prove its ` +
              `token, or the process is gone): taken over`,
        ),
      ).toHaveLength(8);
    },
  );

  it(
    "a dead server's claim, whatever listens at its port now (answering 200 to anything): that " +
      'listener is sent no token and the engine is taken over',
    async () => {
      const seen: http.IncomingMessage[] = [];
      const squatter = await endpoint('200 {}', newToken(), (req) => seen.push(req));
      const dir = tempDir('ollm-claims-');
      const token = newToken();
      writeClaim(dir, { url: squatter.url, token }, { pid: deadPid() });
      const { claims, ep } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
      expectMine(dir, ep);
      expect(seen).toEqual([]); // the process named is gone: its port is not even asked
    },
  );

  it(
    'a live claim whose process is alive but whose endpoint is another listener: asked without ' +
      'the token, then taken over',
    async () => {
      const seen: http.IncomingMessage[] = [];
      const squatter = await endpoint('200 {}', newToken(), (req) => seen.push(req));
      const dir = tempDir('ollm-claims-');
      const token = newToken();
      writeClaim(dir, { url: squatter.url, token });
      const { claims, ep } = await me(dir);
      expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
      expectMine(dir, ep);
      expect(seen).toHaveLength(1);
      expect(JSON.stringify(seen[0]!.headers)).not.toContain(token);
    },
  );

  it('an unreadable claim (garbage, over 4096 bytes) is taken over; a live claim under the limit holds', async () => {
    const theirs = await endpoint('prove');
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
    expect(await (await me(padded)).claims.claim('ollama', ENGINE).planner()).toEqual({
      url: theirs.url,
      token: theirs.token,
      pid: OTHER_PID,
    });
  });

  it("a live claim naming another engine's key in this engine's file is not trusted: taken over", async () => {
    const dir = tempDir('ollm-claims-');
    writeClaim(dir, await endpoint('prove'), { key: engineKey('ollama', 'http://127.0.0.1:9999') });
    const { claims, ep } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expectMine(dir, ep);
  });

  it('two servers claiming a free engine at once: one plans it, the other is sent to it', async () => {
    for (let round = 0; round < 20; round++) {
      const dir = tempDir('ollm-claims-');
      const a = await me(dir);
      const bEp = await endpoint('prove');
      const b = new EngineClaims(dir, async () => bEp, OTHER_PID);
      const [pa, pb] = await Promise.all([
        a.claims.claim('ollama', ENGINE).planner(),
        b.claim('ollama', ENGINE).planner(),
      ]);
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
    const theirs = await endpoint('prove');
    const base = JSON.stringify({ key: KEY, pid: OTHER_PID, url: theirs.url, token: theirs.token, pad: '' });
    for (const size of [4096, 4097]) {
      const dir = tempDir('ollm-claims-');
      writeFileSync(
        fileOf(dir),
        JSON.stringify({
          key: KEY,
          pid: OTHER_PID,
          url: theirs.url,
          token: theirs.token,
          pad: 'x'.repeat(size - base.length),
        }),
      );
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
    expect(info()[0]).toBe(
      `engine ${KEY}: its claim by process ${OTHER_PID} does not hold (it does not prove its ` +
        `token, or the process is gone): taken over`,
    );
  });

  it('a claim replaced between its read and its removal is not removed: the new one is read and holds', async () => {
    const dir = tempDir('ollm-claims-');
    const third = liveChild();
    const next = await endpoint('prove', newToken(), undefined, third);
    // replaced while proved
    writeClaim(dir, await endpoint(403, newToken(), () => writeClaim(dir, next, { pid: third })));
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toEqual({ url: next.url, token: next.token, pid: third });
    expect(start).not.toHaveBeenCalled();
    expect(read(fileOf(dir)).pid).toBe(third);
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
    expect(warn()).toEqual([
      `engine ${KEY}: could not settle who plans it (its claim changed three times while read): this server plans it`,
    ]);
  });

  it('a claim that cannot be read (a folder in its place): this server plans the engine, claiming nothing', async () => {
    const dir = tempDir('ollm-claims-');
    mkdirSync(fileOf(dir));
    const warn = logged('warn');
    const { claims, start } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(start).not.toHaveBeenCalled();
    expect(warn()).toHaveLength(1);
    expect(warn()[0]).toMatch(
      new RegExp(`^engine ${KEY}: could not settle who plans it \\(EISDIR: .*\\): this server plans it$`),
    );
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
    expect(warn()).toEqual(
      Array(2).fill(`engine ${KEY}: could not settle who plans it (no port): this server plans it`),
    );
  });
});

describe('a claim path that is no file', () => {
  it('a FIFO: read without blocking, taken for no claim and replaced; the first call answers', async () => {
    const dir = tempDir('ollm-claims-');
    expect(spawnSync('mkfifo', [fileOf(dir)]).status).toBe(0);
    const info = logged('info');
    const { claims, ep } = await me(dir);
    const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('blocked on the FIFO')), 5000).unref());
    expect(await Promise.race([claims.claim('ollama', ENGINE).planner(), bound])).toBeUndefined();
    expectMine(dir, ep);
    expect(info()[0]).toBe(`engine ${KEY}: its claim is unreadable: taken over`);
  });

  it('a symbolic link: replaced, its target untouched', async () => {
    const dir = tempDir('ollm-claims-');
    const target = join(tempDir('ollm-claims-target-'), 'kept.json');
    writeFileSync(target, 'not mine');
    symlinkSync(target, fileOf(dir));
    const { claims, ep } = await me(dir);
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expectMine(dir, ep);
    expect(lstatSync(fileOf(dir)).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('not mine');
  });

  it('releaseSync over a FIFO put where its claim was: returns, leaving it', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims } = await me(dir);
    await claims.claim('ollama', ENGINE).planner();
    unlinkSync(fileOf(dir));
    expect(spawnSync('mkfifo', [fileOf(dir)]).status).toBe(0);
    claims.releaseSync();
    expect(lstatSync(fileOf(dir)).isFIFO()).toBe(true);
  });
});

describe('holds: whether this server still holds the claim (its file, read)', () => {
  /** Claims of this process whose clocks move only when told. */
  async function clocked(dir: string) {
    const clock = { wall: 1_000_000, mono: 5_000 };
    const ep = await endpoint('prove', newToken(), undefined, process.pid);
    const claims = new EngineClaims(
      dir,
      async () => ep,
      process.pid,
      () => ({ ...clock }),
    );
    return {
      claims,
      clock,
      pass: (ms: number, which: Array<'wall' | 'mono'> = ['wall', 'mono']) => which.forEach((k) => (clock[k] += ms)),
    };
  }

  it('true while its file names this server; false once it names another or is gone', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims, pass } = await clocked(dir);
    const claim = claims.claim('ollama', ENGINE);
    expect(await claim.planner()).toBeUndefined();
    expect(await claim.holds()).toBe(true);
    writeClaim(dir, await endpoint('prove')); // taken over by another server (this one was stopped)
    pass(HOLD_READ_MS);
    expect(await claim.holds()).toBe(false);
    unlinkSync(fileOf(dir));
    expect(await claim.holds()).toBe(false);
    mkdirSync(fileOf(dir)); // cannot be read now: nothing to go on, left as it is
    expect(await claim.holds()).toBe(true);
  });

  it(
    'read again only HOLD_READ_MS after it last named this server, by either clock: a stop (the ' +
      'monotonic clock) or a jump of the wall clock back reads it at once',
    async () => {
      const dir = tempDir('ollm-claims-');
      const { claims, clock, pass } = await clocked(dir);
      const claim = claims.claim('ollama', ENGINE);
      expect(await claim.planner()).toBeUndefined();
      expect(await claim.holds()).toBe(true);
      writeClaim(dir, await endpoint('prove'));
      pass(HOLD_READ_MS - 1);
      expect(await claim.holds()).toBe(true); // not read: within the window
      pass(1, ['mono']);
      expect(await claim.holds()).toBe(false); // the monotonic clock passed it
      // claimed again (the other gone); the wall clock going back reads it again at once
      unlinkSync(fileOf(dir));
      expect(await claim.planner()).toBeUndefined();
      expect(await claim.holds()).toBe(true);
      writeClaim(dir, await endpoint('prove'));
      clock.wall -= 10;
      expect(await claim.holds()).toBe(false);
    },
  );

  it('true for an engine this server plans without a claim (none could be made)', async () => {
    const { claims } = await me(`${tempDir('ollm-claims-')}/gone`);
    const claim = claims.claim('ollama', ENGINE);
    expect(await claim.planner()).toBeUndefined();
    expect(await claim.holds()).toBe(true);
  });
});

describe("notServedAnswer: a claim's endpoint refuses every other tool, saying why", () => {
  const only = ['list_models', 'show_model', 'route_and_generate'];
  it('a tools/call of another tool: a JSON-RPC error naming it and where to call it', () => {
    expect(
      notServedAnswer(
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_model', arguments: { model: 'x' } } },
        only,
      ),
    ).toEqual({
      id: 7,
      error: {
        code: -32602,
        message:
          `Tool "delete_model" is not served here: this is an engine claim's endpoint, which serves ` +
          `the other ollm-mcp servers of this machine list_models, show_model, route_and_generate ` +
          `only. Call "delete_model" on your own ollm-mcp server.`,
      },
    });
    expect(
      notServedAnswer({ id: 'a', method: 'tools/call', params: { name: 'n'.repeat(5000) } }, only)?.error.message
        .length,
    ).toBeLessThan(600);
  });

  it(
    'refuses any call as a task (tasks/*, a tools/call carrying task), a served tool too; a ' +
      'notification passes (the SDK answers it)',
    () => {
      const why =
        "Tasks are not served here: this is an engine claim's endpoint, where the other ollm-mcp " +
        'servers of this machine relay calls that run whole. Call without `task`, or on your own ' +
        'ollm-mcp server.';
      expect(
        notServedAnswer(
          { id: 3, method: 'tools/call', params: { name: 'route_and_generate', task: { ttl: 1000 } } },
          only,
        ),
      ).toEqual({ id: 3, error: { code: -32602, message: why } });
      for (const method of ['tasks/get', 'tasks/list', 'tasks/result', 'tasks/cancel'])
        expect(notServedAnswer({ id: 'x', method, params: { taskId: 'job-1' } }, only), method).toEqual({
          id: 'x',
          error: { code: -32601, message: why },
        });
      expect(notServedAnswer({ method: 'tasks/get', params: {} }, only)).toBeUndefined();
      expect(
        notServedAnswer({ id: 4, method: 'tools/call', params: { name: 'route_and_generate' } }, only),
      ).toBeUndefined();
    },
  );

  it('lets through the tools served, other methods, notifications and malformed calls (the SDK answers those)', () => {
    for (const name of only)
      expect(notServedAnswer({ id: 1, method: 'tools/call', params: { name } }, only), name).toBeUndefined();
    for (const m of [
      { id: 1, method: 'tools/list' },
      { method: 'tools/call', params: { name: 'delete_model' } },
      { id: 1, method: 'tools/call', params: {} },
      null,
      'text',
      [1],
    ])
      expect(notServedAnswer(m, only), JSON.stringify(m)).toBeUndefined();
  });
});

describe('releaseSync', () => {
  it('removes the claims this server made, and leaves one another server has replaced', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims } = await me(dir);
    await claims.claim('ollama', ENGINE).planner();
    await claims.claim('llamacpp', 'http://127.0.0.1:8080').planner();
    const replaced = writeClaim(dir, await endpoint('prove')); // the ollama claim, now another server's
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
