/**
 * Whose a call's prompt is, for the engines' prefix caches (fleet/prefix-memory.ts): the calling
 * agent in its session's folder (as its jobs are: long-call.ts ownerOf), in the scope its call could
 * read (ToolContext.scope), and — for a call another ollm-mcp relays — the owner that server gave
 * it. An opaque key: a hash, so no name or path travels in it (to an engine as vLLM's `cache_salt`,
 * to another ollm-mcp in the request's _meta).
 */
import { createHash } from 'node:crypto';
import type { ToolContext } from './tool-types.js';
import { ownerOf } from './long-call.js';

export function promptOwner(ctx: Pick<ToolContext, 'agent' | 'orch' | 'scope' | 'relayedOwner'>): string {
  return createHash('sha256')
    .update(ownerOf(ctx))
    .update('\0')
    .update(ctx.scope())
    .update('\0')
    .update(ctx.relayedOwner ?? '')
    .digest('hex')
    .slice(0, 32);
}
