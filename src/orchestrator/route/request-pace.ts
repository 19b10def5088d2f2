/**
 * A request's time on each host's copy of a model, for the spread of a busy copy's calls (fleet/copy-spread.ts
 * Pace): at each host's measured speeds, its answer as long as the busy copy's host expects (split-copies.ts
 * partPaces) — so a copy ten times slower is not taken for a free slot when waiting for the fast one answers sooner.
 */
import type { Pace } from '../fleet/copy-spread.js';
import type { HostOverview } from '../fleet/placement.js';
import type { JobParts } from './parts.js';
import type { Prepared } from './route-prepare.js';
import { partPaces } from './split-copies.js';

export function requestPace(parts: Pick<JobParts, 'records'>, ask: Prepared, views: readonly HostOverview[]): Pace {
  const work = { promptTokens: ask.promptTokens, maxTokens: ask.maxTokens };
  return (busy) => {
    const at = partPaces(parts, ask.work.task, views, busy.model, work, busy.host ?? '');
    return (host) => {
      const s = host === undefined ? undefined : at(host);
      return s === undefined ? undefined : s * 1000;
    };
  };
}
