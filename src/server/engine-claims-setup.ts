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
import { answerChallenge } from './shared/claim-proof.js';
import { EngineClaims, newToken, type Endpoint } from './shared/engine-claims.js';
import { engineKey } from './shared/claim-record.js';
import { Leases } from '../orchestrator/engines/holds/leases.js';
import type { HoldDesk } from '../orchestrator/engines/holds/desk.js';
import { holdDoor } from './shared/hold-door.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, matchToken } from './http-guard.js';
import { sharedPlace } from './shared/place.js';

/**
 * The agent name the claim's token gives callers: another ollm-mcp of this machine, relaying its client's
 * (`local/<agent>`).
 */
export const CLAIM_AGENT = 'local';

/**
 * The tools a server reaching an engine through its claim calls (engines/ollm: its list, a model's
 * card, a generation; engines/ollm/planner-engine.ts: the engine's status, its unloads and loads,
 * pins too): all the endpoint serves. The claim's token opens nothing else — no download, deletion,
 * memory of facts, resource or prompt.
 */
export const RELAYED_TOOLS = [
  'list_models',
  'show_model',
  'route_and_generate',
  'show_status',
  'unload_model',
  'smart_load',
] as const;

/**
 * This server's endpoint for the others: listening at once on a loopback port (a claim names it),
 * its MCP handler (http.ts, with the claim's token) loaded by the first request that comes — most
 * servers are never called there, and none waits for that code to claim an engine.
 */
async function endpoint(serving: Serving, desk: HoldDesk): Promise<Endpoint> {
  const token = newToken();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref(); // it never keeps the process alive: the process's own transport decides when it ends
  const port = (server.address() as AddressInfo).port;
  let handler: Promise<unknown> | undefined;
  const tokens = [{ value: token, source: 'an engine claim', agent: CLAIM_AGENT }];
  server.on('upgrade', holdDoor(desk, tokens)); // holds on loaded models, lent to servers relaying here (holds/)
  const load = () =>
    (handler ??= import('./http.js').then((m) =>
      m.serveOverHttp(serving, {
        host: '127.0.0.1',
        port,
        tokens,
        alongside: true,
        server,
        only: RELAYED_TOOLS,
        challenge: (req, res) => answerChallenge(req, res, token),
      }),
    ));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // a proof of the claim (engine-claims.ts proves: a challenge, answered with this pid and the token's MAC) is
    // answered at once, here and once http.ts serves (http.ts answers it too); a server proving it calls soon:
    // the handler is loaded meanwhile
    if (answerChallenge(req, res, token)) return void load().catch(() => undefined);
    if (req.method !== 'POST') {
      const proven = matchToken(bearerToken(req), tokens) !== undefined;
      if (proven) void load().catch(() => undefined);
      return void res.writeHead(proven ? 405 : 401, { allow: 'POST', connection: 'close' }).end();
    }
    load().then(
      () => server.emit('request', req, res), // now served by http.ts's listener
      () =>
        void res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end('This server cannot serve the engines it plans now.'),
    );
  });
  return { url: `http://127.0.0.1:${port}/mcp`, token };
}

/** The serving process settles its claims as its core is made (serving.ts claimsFrom). */
export function claimEngines(serving: Serving): Serving {
  serving.claimsFrom = () => engineClaims(serving);
  return serving;
}

export async function engineClaims(
  serving: Serving,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CoreParts['claims']> {
  if (env.OLLM_ENGINE_CLAIMS === '0') return undefined;
  let dir: string;
  try {
    dir = (await sharedPlace(serving.config, release(), env)).dir;
  } catch (err) {
    log.warn(`engine claims: ${(err as Error).message} — this server plans every engine it names`);
    return undefined;
  }
  const leases = new Leases();
  const claims = new EngineClaims(dir, () => endpoint(serving, leases.desk));
  process.once('exit', () => claims.releaseSync());
  claims.warm(); // its endpoint listening before the first claim needs it
  return (kind, url) => ({ ...claims.claim(kind, url), leases: leases.of(engineKey(kind, url)) });
}
