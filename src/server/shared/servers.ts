/**
 * The shared servers of this user, as `ollm-mcp shared`, doctor and a server taking over
 * (retire.ts) find them: each lock file in a socket folder (place.ts: the user's, checked) names a
 * server's pid, and beside it is its socket — the shared place of a build and settings, or the
 * place of its own a retiring server moved to — where it is asked who it is (who.ts). The files
 * a killed retiring server left are removed (those of a killed server at a shared place are the
 * next server's to replace: lock.ts).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { pidAlive } from '../../orchestrator/util/own-process.js';
import type { WhoAnswer } from './hello.js';
import { placeIn, retiringName, socketFolders, THIS_SYSTEM, type Place, type System } from './place.js';
import { askWho } from './who.js';

export interface Found {
  /** Its place (socket and lock) and the name of that place. */
  place: Place;
  name: string;
  /** The pid its lock file holds. */
  pid: number;
  /** Its answer to `who`; undefined when it gives none (an ollm-mcp of an earlier release, or one not answering). */
  who: WhoAnswer | undefined;
}

/** The pid a lock file holds, or undefined when it holds none. */
async function lockPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * The servers whose locks are in `dir` (one socket folder), each asked who it is; sorted by when they started
 * (then pid, then name).
 */

/**
 * Code-unit order (ISO times and file names sort right by it); no Intl, whose ICU data the server never loads
 * (locale-free.test.ts).
 */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export async function serversIn(dir: string, system: System = THIS_SYSTEM): Promise<Found[]> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.lock'))
    .map((f) => f.slice(0, -'.lock'.length));
  const found = await Promise.all(
    names.map(async (name): Promise<Found | undefined> => {
      const place = placeIn(dir, name, system);
      const pid = await lockPid(place.lock);
      if (pid === undefined || !pidAlive(pid)) {
        // a retiring server killed: nothing will take its place, so its files go now
        if (pid !== undefined && name === retiringName(pid))
          await Promise.all([
            rm(place.lock, { force: true }),
            system.platform === 'win32' ? undefined : rm(place.address, { force: true }),
          ]);
        return undefined;
      }
      const who = await askWho(place.address);
      // no answer from one that left meanwhile (its lock gone or another's, its process ended): no server any
      // more, not a stuck one (issue 75, finding 11) — a server leaving removes its lock before it exits
      if (who === undefined && ((await lockPid(place.lock)) !== pid || !pidAlive(pid))) return undefined;
      return { place, name, pid, who };
    }),
  );
  return found
    .filter((f): f is Found => f !== undefined)
    .sort((a, b) => cmp(a.who?.since ?? '', b.who?.since ?? '') || a.pid - b.pid || cmp(a.name, b.name));
}

/** Every shared server of this user, in each socket folder there is (place.ts socketFolders). */
export async function allServers(home: string, system: System = THIS_SYSTEM): Promise<Found[]> {
  const dirs = await socketFolders(home, system);
  return (await Promise.all(dirs.map((d) => serversIn(d, system)))).flat();
}

/** Servers serving `home` (by their answer to `who`). */
export const servingHome = (servers: Found[], home: string): Found[] => servers.filter((s) => s.who?.home === home);
