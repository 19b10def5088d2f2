/**
 * Whether a copy a candidate's attempt just loaded (route-attempt.ts) is an extra one for a rush
 * (fleet/extra-copies.ts): loaded beside a busy copy on another host, or beside slots holding
 * others' recent prompts — and where ollm-mcp loads and unloads.
 */
import type { HostOverview } from '../fleet/placement.js';
import type { Candidacy } from '../fleet/copy-spread.js';

type Beside = Pick<Candidacy, 'model' | 'besideBusy' | 'besideWhy'>;
type Extra = { of: string; why: string };

/**
 * A copy just loaded here is an extra one for a rush (fleet/extra-copies.ts, released when idle) when the
 * candidate was moved here because the copy loaded on another host was busy (route-candidates.ts
 * spreadBusy), or its slots held others' recent prompts (fleet/copy-affinity.ts, `besideWhy`) — and only
 * where ollm-mcp loads and unloads (never on an engine that does it itself).
 */
export function extraCopyOf(candidate: Beside, unit: HostOverview, views: readonly HostOverview[]): Extra | undefined {
  if (candidate.besideBusy === undefined || !unit.host.engine.can.managesMemory) return undefined;
  const other = views.find(
    (v) =>
      v.host.name === candidate.besideBusy &&
      v.host !== unit.host &&
      v.overview.loaded.some((l) => l.name === candidate.model),
  );
  if (!other) return undefined;
  if (candidate.besideWhy !== undefined) return { of: other.host.name, why: candidate.besideWhy };
  const n = other.host.loader.requestsOn(candidate.model);
  return {
    of: other.host.name,
    why: `the copy on ${other.host.name} was busy${n > 0 ? ` with ${n} request${n === 1 ? '' : 's'}` : ''}`,
  };
}
