// The shared servers found in a socket folder (servers.ts) and `shared stop`'s proof before a
// SIGTERM (stop.ts), against real sockets that answer, stay silent, or are not there.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serversIn, type Found } from '../../src/server/shared/servers.js';
import { stopServer, type StopDeps } from '../../src/server/shared/stop.js';
import { placeIn } from '../../src/server/shared/place.js';
import { tempDir } from '../helpers/temp.js';

const NO_PID = 2_147_483_646; // no process has it
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const folder = () => {
  const dir = join(tempDir('ollm-srv-'), 'f');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
};

/** A socket at `name` in `dir` that answers each connection's first line with `reply` (or closes without a word). */
async function listening(dir: string, name: string, reply: ((line: string) => string) | undefined): Promise<void> {
  const server = createServer((sock) => {
    sock.once('data', (d: Buffer) => (reply ? sock.end(`${reply(d.toString().trim())}\n`) : sock.destroy()));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(placeIn(dir, name).address, r));
}

const who = (pid: number) =>
  JSON.stringify({
    ollm: 'clients',
    pid,
    version: '0.1.0',
    build: 'aaaaaaaaaaaa',
    home: '/h',
    retiring: true,
    clients: [{ pid: 7, cwd: '/w', since: 's' }],
  });

describe('the servers in a socket folder', () => {
  it(
    "each live lock with its socket asked who it is; a killed retiring server's files removed; " +
      "a dead shared place's lock left to the next server",
    async () => {
      const dir = folder();
      writeFileSync(join(dir, `retiring-${process.pid}.lock`), String(process.pid));
      await listening(dir, `retiring-${process.pid}`, () => who(process.pid));
      writeFileSync(join(dir, `retiring-${NO_PID}.lock`), String(NO_PID));
      writeFileSync(join(dir, `retiring-${NO_PID}.sock`), '');
      writeFileSync(join(dir, '0.1.0-aaaaaaaaaaaa-ffffffffffffffff.lock'), String(NO_PID));
      writeFileSync(join(dir, 'silent.lock'), String(process.pid)); // a live pid, no socket: listed, no answer
      const found = await serversIn(dir);
      expect(found.map((f) => [f.name, f.pid, f.who?.retiring])).toEqual([
        [`retiring-${process.pid}`, process.pid, true],
        ['silent', process.pid, undefined],
      ]);
      expect(existsSync(join(dir, `retiring-${NO_PID}.lock`))).toBe(false);
      expect(existsSync(join(dir, `retiring-${NO_PID}.sock`))).toBe(false);
      expect(existsSync(join(dir, '0.1.0-aaaaaaaaaaaa-ffffffffffffffff.lock'))).toBe(true);
    },
  );

  it(
    'one leaving as it is asked (its lock removed, no answer) is not listed, never as stuck; ' +
      'one silent and still there is',
    async () => {
      const dir = folder();
      writeFileSync(join(dir, 'leaving.lock'), String(process.pid));
      // a server that stops as the question comes: it drops the connection and removes its lock (start.ts leave)
      await listening(dir, 'leaving', undefined);
      const server = servers.at(-1)!;
      server.prependListener('connection', () => rmSync(join(dir, 'leaving.lock'), { force: true }));
      writeFileSync(join(dir, 'silent.lock'), String(process.pid));
      await listening(dir, 'silent', undefined);
      expect((await serversIn(dir)).map((f) => [f.name, f.who])).toEqual([['silent', undefined]]);
    },
  );
});

describe('shared stop', () => {
  /** A server "running" until it is stopped: by the stop line it answers (`answers`) or by SIGTERM. */
  const setup = async (o: { answers: boolean; socket: boolean; lockPid?: number }) => {
    const dir = folder();
    const pid = 4242;
    let running = true;
    const killed: string[] = [];
    writeFileSync(join(dir, 's.lock'), String(o.lockPid ?? pid));
    if (o.socket)
      await listening(
        dir,
        's',
        o.answers ? () => ((running = false), JSON.stringify({ ollm: 'stopping', pid })) : undefined,
      );
    const deps: StopDeps = {
      alive: () => running,
      kill: (p, sig) => (killed.push(`${p} ${sig}`), (running = false)),
      uid: process.getuid!(),
      withinMs: 200,
    };
    const found: Found = { place: placeIn(dir, 's'), name: 's', pid, who: undefined };
    return { found, deps, killed, running: () => running };
  };

  it('asked, it stops: no signal sent', async () => {
    const s = await setup({ answers: true, socket: true });
    expect(await stopServer(s.found, s.deps)).toEqual({ pid: 4242, stopped: true, how: 'asked' });
    expect(s.killed).toEqual([]);
  });

  it("silent but listening, its lock naming it in this user's folder: SIGTERM, and it stops", async () => {
    const s = await setup({ answers: false, socket: true });
    expect(await stopServer(s.found, s.deps)).toEqual({ pid: 4242, stopped: true, how: 'SIGTERM' });
    expect(s.killed).toEqual(['4242 SIGTERM']);
  });

  it('nothing listening at its socket (the pid may be another program now): never signalled', async () => {
    const s = await setup({ answers: false, socket: false });
    const r = await stopServer(s.found, s.deps);
    expect(r).toMatchObject({
      pid: 4242,
      stopped: false,
      why: expect.stringMatching(/nothing listens at .* not signalled/),
    });
    expect(s.killed).toEqual([]);
    expect(s.running()).toBe(true);
  });

  it('its lock naming another pid by now: never signalled', async () => {
    const s = await setup({ answers: false, socket: true, lockPid: 4343 });
    expect(await stopServer(s.found, s.deps)).toMatchObject({
      stopped: false,
      why: expect.stringMatching(/no longer names pid 4242: not signalled/),
    });
    expect(s.killed).toEqual([]);
  });

  it("a lock that is not this user's: never signalled", async () => {
    const s = await setup({ answers: false, socket: true });
    expect(await stopServer(s.found, { ...s.deps, uid: process.getuid!() + 1 })).toMatchObject({
      stopped: false,
      why: expect.stringMatching(/is not yours: not signalled/),
    });
    expect(s.killed).toEqual([]);
  });
});
