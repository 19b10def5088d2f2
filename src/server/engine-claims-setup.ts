/**
 * A serving process's claims on the engines it uses (shared/engine-claims.ts), in this user's
 * socket folder: the first server to use an engine plans it; the others reach it at a loopback
 * endpoint this process starts with its first claim (Streamable HTTP on 127.0.0.1, a random
 * token naming the caller `local`). OLLM_ENGINE_CLAIMS=0 turns claims off: this server then
 * plans every engine it names, whoever else does.
 */
import { log } from '../orchestrator/util/log.js';
import type { CoreParts } from './core.js';
import type { Serving } from './serving.js';
import { release } from './shared/build.js';
import { EngineClaims, newToken } from './shared/engine-claims.js';
import { sharedPlace } from './shared/place.js';

/** The agent name the claim's token gives callers: another ollm-mcp of this machine, relaying its client's (`local/<agent>`). */
export const CLAIM_AGENT = 'local';

/** The serving process settles its claims as its core is made (serving.ts claimsFrom). */
export function claimEngines(serving: Serving): Serving {
  serving.claimsFrom = () => engineClaims(serving);
  return serving;
}

export async function engineClaims(serving: Serving, env: NodeJS.ProcessEnv = process.env): Promise<CoreParts['claims']> {
  if (env.OLLM_ENGINE_CLAIMS === '0') return undefined;
  let dir: string;
  try {
    dir = (await sharedPlace(serving.config, release(), env)).dir;
  } catch (err) {
    log.warn(`engine claims: ${(err as Error).message} — this server plans every engine it names`);
    return undefined;
  }
  const claims = new EngineClaims(dir, async () => {
    const token = newToken();
    const { serveOverHttp } = await import('./http.js');
    const served = await serveOverHttp(serving, { host: '127.0.0.1', port: 0, tokens: [{ value: token, source: 'an engine claim', agent: CLAIM_AGENT }], alongside: true });
    return { url: served.url, token };
  });
  process.once('exit', () => claims.releaseSync());
  return (kind, url) => claims.claim(kind, url);
}
