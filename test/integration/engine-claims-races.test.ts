/**
 * Engine claims (server/shared/engine-claims.ts) in the races a live test cannot time: another
 * server linking its claim first, a link that fails otherwise, the file written aside or the claim
 * removed by someone else meanwhile. node:fs/promises is the real one, with `link` and `open` (a
 * claim file is opened to be read: claim-file.ts) wrapped so a test can step in.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { link, open } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { EngineClaims, newToken, type Endpoint } from '../../src/server/shared/engine-claims.js';
import { answerChallenge } from '../../src/server/shared/claim-proof.js';
import { claimFile, engineKey } from '../../src/server/shared/claim-record.js';
import { log } from '../../src/orchestrator/util/log.js';
import { tempDir } from '../helpers/temp.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, link: vi.fn(real.link), open: vi.fn(real.open) };
});
const realFs = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');

const ENGINE = 'http://127.0.0.1:11434';
const KEY = engineKey('ollama', ENGINE);
/** Another server's pid: a live process of this user (the test runner's parent). */
const OTHER_PID = process.ppid;
const servers: http.Server[] = [];
const spies: MockInstance[] = [];

afterEach(async () => {
  vi.mocked(link).mockReset().mockImplementation(realFs.link);
  vi.mocked(open).mockReset().mockImplementation(realFs.open);
  for (const spy of spies.splice(0)) spy.mockRestore();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A live loopback endpoint answering a claim's challenge for its token and `pid`. */
async function endpoint(pid = OTHER_PID): Promise<Endpoint> {
  const token = newToken();
  const server = http.createServer((req, res) => {
    if (!answerChallenge(req, res, token, pid)) res.writeHead(401).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, token };
}

const fileOf = (dir: string) => claimFile(dir, KEY);
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const asides = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.new'));
/** Writes another server's claim of the engine. */
const writeClaim = (dir: string, ep: Endpoint) =>
  writeFileSync(fileOf(dir), JSON.stringify({ key: KEY, pid: OTHER_PID, url: ep.url, token: ep.token }));
/** This server (process.pid) in `dir`, and the lines it logs at `level`. */
async function me(dir: string, level: 'info' | 'warn') {
  const ep = await endpoint(process.pid);
  const start = vi.fn(async () => ep);
  const spy = vi.spyOn(log, level).mockImplementation(() => undefined);
  spies.push(spy);
  return { claims: new EngineClaims(dir, start), start, ep, lines: () => spy.mock.calls.map(([line]) => line) };
}

describe('EngineClaims: races', () => {
  it('a free engine claimed: its claim file read once, not read back', async () => {
    const dir = tempDir('ollm-claims-');
    const { claims, ep } = await me(dir, 'warn');
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(vi.mocked(open).mock.calls.filter(([path]) => path === fileOf(dir))).toHaveLength(1);
    expect(read(fileOf(dir))).toMatchObject({ pid: process.pid, url: ep.url });
  });

  it('another server links its claim first (EEXIST): its claim is read and holds; nothing left aside', async () => {
    const dir = tempDir('ollm-claims-');
    const theirs = await endpoint();
    vi.mocked(link).mockImplementationOnce(async (from, to) => {
      writeClaim(dir, theirs);
      return realFs.link(from, to);
    });
    const { claims, start } = await me(dir, 'warn');
    expect(await claims.claim('ollama', ENGINE).planner()).toEqual({
      url: theirs.url,
      token: theirs.token,
      pid: OTHER_PID,
    });
    expect(vi.mocked(link)).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledTimes(1);
    expect(asides(dir)).toEqual([]);
  });

  it('a link failing otherwise (EPERM): no claim, nothing left aside, this server plans, saying why', async () => {
    const dir = tempDir('ollm-claims-');
    vi.mocked(link).mockRejectedValueOnce(
      Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' }),
    );
    const { claims, lines } = await me(dir, 'warn');
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(vi.mocked(link)).toHaveBeenCalledTimes(1);
    expect(readdirSync(dir)).toEqual([]);
    expect(lines()).toEqual([
      `engine ${KEY}: could not settle who plans it (EPERM: operation not permitted, link): this server plans it`,
    ]);
  });

  it('the file written aside already gone when it is removed: the claim stands, and is released at exit', async () => {
    const dir = tempDir('ollm-claims-');
    vi.mocked(link).mockImplementationOnce(async (from, to) => {
      await realFs.link(from, to);
      unlinkSync(from);
    });
    const { claims, lines } = await me(dir, 'warn');
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(lines()).toEqual([]);
    expect(read(fileOf(dir)).pid).toBe(process.pid);
    claims.releaseSync();
    expect(existsSync(fileOf(dir))).toBe(false);
  });

  it('a claim that does not hold removed by another server too, between the comparison and the removal: taken over', async () => {
    const dir = tempDir('ollm-claims-');
    writeClaim(dir, { url: (await endpoint()).url, token: newToken() }); // not the endpoint's token: does not hold
    let reads = 0;
    vi.mocked(open).mockImplementation((async (path: string, flags: number) => {
      const handle = await realFs.open(path, flags);
      // the other server's removal, after this one compared
      if (path === fileOf(dir) && ++reads === 2) unlinkSync(path);
      return handle;
    }) as typeof open);
    const { claims, ep, lines } = await me(dir, 'warn');
    expect(await claims.claim('ollama', ENGINE).planner()).toBeUndefined();
    expect(lines()).toEqual([]);
    expect(read(fileOf(dir))).toMatchObject({ pid: process.pid, url: ep.url, token: ep.token });
  });
});
