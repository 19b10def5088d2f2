/**
 * Whose a resumable stream is (event-store.ts, http-legacy-leg.ts): a stream's events are given
 * only to a request of the same owner, so its unguessable id alone does not let another client
 * replay or follow it.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sessionOf } from './http-cancel.js';
import { bearerToken } from './http-guard.js';

/**
 * The client's session — sent, or given on this initialize answer — else its bearer token (hashed), else no
 * one's in particular.
 */
export function streamOwner(req: IncomingMessage, res?: ServerResponse): string {
  const session = sessionOf(req) ?? res?.getHeader('mcp-session-id');
  if (typeof session === 'string') return `session ${session}`;
  const token = bearerToken(req);
  return token ? `token ${createHash('sha256').update(token).digest('base64url')}` : 'anonymous';
}
