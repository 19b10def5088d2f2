/**
 * Which server plans which engine, as `ollm-mcp shared` and doctor say it (issue 80): the engine
 * claims in this user's socket folders (engine-claims.ts), each naming its engine and the pid of
 * the server that plans it — every other server of the user reaching that engine goes through it.
 * Read from the claims themselves, never inferred from which servers run: a claim of a process
 * that has ended is left out (the next server to reach the engine takes it over).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from '../../orchestrator/util/own-process.js';
import { readClaim } from './claim-file.js';
import { parseClaim } from './claim-record.js';

export interface EnginePlan {
  /** The engine as claims name it (claim-record.ts engineKey: kind and address, no credentials). */
  engine: string;
  /** The pid of the server that plans it. */
  plannedBy: number;
}

/** The most claim files read from one folder. */
const MAX_CLAIMS = 64;

/** The engines planned by a live server, from the claims in `dirs`, by engine name. */
export async function enginePlans(dirs: readonly string[]): Promise<EnginePlan[]> {
  const plans: EnginePlan[] = [];
  for (const dir of dirs) {
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^engine-[0-9a-f]{16}\.json$/.test(f));
    for (const f of files.slice(0, MAX_CLAIMS)) {
      const read = await readClaim(join(dir, f)).catch(() => undefined);
      const claim = read && 'text' in read ? parseClaim(read.text) : undefined;
      if (claim && pidAlive(claim.pid)) plans.push({ engine: claim.key, plannedBy: claim.pid });
    }
  }
  return plans.sort((a, b) => (a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : a.plannedBy - b.plannedBy));
}

/** The plans in words: one line each, saying who goes through whom. */
export const planLines = (plans: readonly EnginePlan[]): string[] =>
  plans.map(
    (p) => `${p.engine}: planned by pid ${p.plannedBy}; every other server of yours reaching it goes through it.`,
  );
