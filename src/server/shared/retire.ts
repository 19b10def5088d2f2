/**
 * Taking over: when a shared server starts for a new launch (or as the daemon), or a new launch
 * joins it, the other servers of the same $OLLM_HOME that it outranks are asked to retire (a
 * `retire` line, control.ts): they take no new client and exit once their own clients have left,
 * so two servers serve one home only while an older one finishes with its clients (each engine planned
 * meanwhile by the one that claimed it: engine-claims.ts). It
 * outranks a server of an older build (build.ts: the later built); and, of the same build, one
 * with other settings — when it was started or joined by a new launch, whose settings are those
 * now in force. A server started by a launch moving from one that left takes nothing over: its
 * clients' settings and build are those they started with. A newer build's server is never
 * retired by an older one: both serve (doctor says so) until the older's clients leave.
 * Only servers in this user's checked socket folder are asked; a retire line only asks, it kills
 * nothing, and a retiring server answers every call of its clients.
 */
import { log } from '../../orchestrator/util/log.js';
import type { Build } from './build.js';
import type { WhoAnswer } from './hello.js';
import { serversIn } from './servers.js';
import { askRetire } from './who.js';

/** What a server taking over is. */
export interface Me {
  pid: number;
  build: Build;
  key: string;
  home: string;
  /** Started or joined by a new launch (or the daemon): its settings are those in force. */
  fresh: boolean;
}

/** Why `me` outranks the server that answered `other` (it should retire), or undefined when it does not. */
export function outranks(
  me: Me,
  other: Pick<WhoAnswer, 'pid' | 'build' | 'builtAt' | 'key' | 'home' | 'retiring'>,
): string | undefined {
  if (other.pid === me.pid || other.home !== me.home || other.retiring || other.build === undefined) return undefined;
  if (other.build === me.build.id)
    return me.fresh && other.key !== me.key ? `other settings serve ${me.home} now` : undefined;
  return (other.builtAt ?? 0) < me.build.at ? `a newer build (${me.build.id}) serves ${me.home} now` : undefined;
}

/** Each server in `dir` that `me` outranks asked to retire; what each answered is logged. */
export async function takeOver(me: Me, dir: string): Promise<void> {
  try {
    for (const found of await serversIn(dir)) {
      const why = found.who && outranks(me, found.who);
      if (!why) continue;
      const asked = await askRetire(found.place.address, { by: me.pid, why });
      if ('answer' in asked)
        log.info(
          `shared server: server ${found.pid} (build ${found.who?.build}) retires: ${why}; it exits ` +
            `once its ${asked.answer.clients} client(s) have left`,
        );
      else
        log.warn(
          `shared server: server ${found.pid} was asked to retire (${why}) but did not answer ` +
            `(${'none' in asked ? asked.none : asked.silent}): \`ollm-mcp shared\` lists it, \`ollm-mcp ` +
            `shared stop ${found.pid}\` stops it`,
        );
    }
  } catch (err) {
    log.warn(`shared server: could not look for older servers to retire: ${(err as Error).message}`);
  }
}
