import type { RouteRequest } from '../generation/route-types.js';

/**
 * The hosts a request may go to: for one another ollm-mcp relayed here (a laptop's, or another
 * server of this machine that leaves an engine's plan to this one), none that is another ollm-mcp
 * — what was relayed runs on this server's own engines, so no call goes round between servers.
 */
export function ownHosts<H extends { kind: string }>(
  hosts: readonly H[],
  req: Pick<RouteRequest, 'relayed'>,
): readonly H[] {
  return req.relayed ? hosts.filter((h) => h.kind !== 'ollm') : hosts;
}
