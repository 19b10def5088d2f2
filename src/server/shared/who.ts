/**
 * Who is connected to the shared server of these settings, as `doctor` says it: the server is asked
 * over its socket (`who`), its answer bounded and checked (hello.ts); none running is no problem.
 */
import type { LoadedConfig } from '../../orchestrator/config/index.js';
import type { Check } from '../../orchestrator/doctor-memory.js';
import { VERSION } from '../version.js';
import { firstLine, parseLine, whoAnswerSchema, type WhoAnswer } from './hello.js';
import { SharedUnavailable, sharedPlace } from './place.js';
import { connectTo } from './reach.js';

const WHO_WITHIN_MS = 3000;

/** The shared server's answer to `who`, or undefined when none answers at `address`. */
export async function askWho(address: string): Promise<WhoAnswer | undefined> {
  let sock;
  try {
    sock = await connectTo(address);
  } catch {
    return undefined;
  }
  try {
    sock.write(`${JSON.stringify({ ollm: 'who' })}\n`);
    const { line } = await firstLine(sock, WHO_WITHIN_MS);
    const answer = parseLine(line, whoAnswerSchema);
    return 'value' in answer ? answer.value : undefined;
  } catch {
    return undefined;
  } finally {
    sock.destroy();
  }
}

/** The doctor's line about the shared server: off, none running, or its pid and every client. */
export async function sharedCheck(config: LoadedConfig): Promise<Check> {
  const name = 'shared server';
  if (!config.settings.shared.enabled) return { name, level: 'ok', detail: 'off: each stdio launch serves on its own (shared.enabled: false or OLLM_SHARED=0).' };
  let address: string;
  try {
    address = (await sharedPlace(config, VERSION)).address;
  } catch (err) {
    if (!(err instanceof SharedUnavailable)) throw err;
    return { name, level: 'warn', detail: `cannot be used: ${err.message}`, fix: 'launches serve on their own until this is fixed.' };
  }
  const who = await askWho(address);
  if (!who) return { name, level: 'ok', detail: `none running now; the next stdio launch starts one at ${address}.` };
  const clients = who.clients.map((c) => `${c.name ?? 'a client'}${c.version ? ` ${c.version}` : ''} (pid ${c.pid}, in ${c.cwd}${c.project ? `, project ${c.project}` : ''}, since ${c.since})`);
  return { name, level: 'ok', detail: `ollm-mcp ${who.version}, pid ${who.pid}, at ${address}; ${who.clients.length} client${who.clients.length === 1 ? '' : 's'} connected${clients.length ? `: ${clients.join('; ')}` : ''}.` };
}
