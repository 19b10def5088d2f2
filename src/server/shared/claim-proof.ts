/**
 * Proving a claim (engine-claims.ts): its endpoint shows it knows the claim's token without being
 * sent it — a challenge (a fresh nonce) answered within PROOF_MS with the claiming pid and an HMAC
 * of the token over the nonce and the pid. The endpoint's side answers challenges; the prover's
 * side asks one and checks the answer.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Planner } from '../../orchestrator/engines/planned-elsewhere.js';
import { ownProcessAlive } from '../../orchestrator/util/own-process.js';

/** How long a claim's endpoint may take to prove it is there. */
const PROOF_MS = 1500;
/** The header a prover sends its nonce in (no token is ever sent to prove a claim). */
export const CHALLENGE_HEADER = 'x-ollm-claim-challenge';
/** The most of a challenge's answer read. */
const ANSWER_BYTES = 512;

/**
 * The proof of a claim's token: HMAC-SHA256 keyed by the token, over a fixed label, the nonce and the
 * answering pid.
 */
export function claimMac(token: string, nonce: string, pid: number): string {
  return createHmac('sha256', token).update(`ollm-mcp engine claim\n${nonce}\n${pid}`).digest('hex');
}

/** A nonce as provers send it: 64 hex digits. */
const NONCE = /^[0-9a-f]{64}$/;

/**
 * The endpoint's side: a request carrying a challenge is answered with this pid and its MAC (200,
 * JSON); true when it was one (answered), false for any other request. Nothing else is said.
 */
export function answerChallenge(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  token: string,
  pid = process.pid,
): boolean {
  const nonce = req.headers[CHALLENGE_HEADER];
  if (nonce === undefined) return false;
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) res.writeHead(400, { connection: 'close' }).end();
  else
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' })
      .end(JSON.stringify({ pid, mac: claimMac(token, nonce, pid) }));
  return true;
}

/** Whether `answer` (a challenge's JSON answer) proves `held`'s token and pid for `nonce`. */
export function provenBy(answer: string, held: Planner, nonce: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(answer);
  } catch {
    return false;
  }
  const { pid, mac } = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (pid !== held.pid || typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(claimMac(held.token, nonce, held.pid), 'hex'));
}

/**
 * Whether the claim holds: its process is alive, and its endpoint answers a fresh challenge, within
 * `timeoutMs`, with that pid and the MAC only its token makes. The token is never sent; anything
 * else (a refusal, `200 {}`, another pid, a wrong MAC, silence, nothing listening) is no proof.
 */
export function proves(
  held: Planner,
  timeoutMs = PROOF_MS,
  alive: (pid: number) => boolean = ownProcessAlive,
): Promise<boolean> {
  if (!alive(held.pid)) return Promise.resolve(false); // a dead planner's port is not even asked
  const nonce = randomBytes(32).toString('hex');
  return new Promise((resolve) => {
    // settled once: by the answer, or by the limit on the whole exchange, however the answer trickles in
    const finish = (proven: boolean) => (clearTimeout(timer), resolve(proven), req.destroy());
    const req = http.request(
      held.url,
      { method: 'GET', headers: { [CHALLENGE_HEADER]: nonce, accept: 'application/json' }, agent: false },
      (res) => {
        if (res.statusCode !== 200) return finish(false);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > ANSWER_BYTES) finish(false);
          else chunks.push(c);
        });
        res.on('end', () => finish(provenBy(Buffer.concat(chunks).toString('utf8'), held, nonce)));
        res.on('error', () => finish(false));
      },
    );
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.on('error', () => finish(false));
    req.end();
  });
}
