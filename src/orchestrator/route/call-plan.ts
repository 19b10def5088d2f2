/**
 * What a call settles once, before any request of it is planned (issue 74, "planned once"): the
 * calling agent's parts (agent-parts.ts forAgent: its settings, router and system prompt), the kind
 * of work (work.ts inferWork, from the caller's words — never the text of inputs read for it — so
 * every request of the call has the same work: whole, a split job's parts and combinations, its dry
 * run, a plan made again for a smaller window) and the answer's limit of a request that sets none
 * (generation/answer-limit.ts). The work is inferred when first needed: for a model the caller
 * named, at its first token (route-attempt.ts), so its cost is not on the way to the engine.
 *
 * The tool (quick, without inputs: route.ts routeCall) or offload.ts (with inputs) makes it; the
 * plan of work over inputs (offload-plan.ts), the route's plan (route-plan.ts, route-prepare.ts,
 * route-candidates.ts), a split job's parts, the dry run and the fallback read it from the parts
 * they are given.
 */
import { settledLimit, type SettledLimit } from '../generation/answer-limit.js';
import type { RouteRequest } from '../generation/route-types.js';
import { forAgent } from './agent-parts.js';
import type { JobParts } from './parts.js';
import { inferWork, type Work } from './work.js';

/** What the call settled: the work (inferred once, when first needed) and the answer's limit. */
interface CallFacts {
  /** The work as inferred: a request that changes its profile (a ranking's) takes a copy (route-prepare.ts). */
  work(): Readonly<Work>;
  readonly answer: SettledLimit;
}

/** The parts a call's requests are planned with: its agent's, and what the call settled. */
export interface CallParts extends JobParts {
  readonly call: CallFacts;
}

type Asked = Pick<RouteRequest, 'agent' | 'prompt' | 'intent' | 'system' | 'images' | 'task' | 'profile'> &
  Pick<RouteRequest, 'complexity'>;

/** The call of `req` settled: forAgent once, the answer's limit once, the work once when first asked for. */
export function planCall(shared: JobParts, req: Asked): CallParts {
  const parts = forAgent(shared, req.agent);
  let work: Work | undefined;
  const call: CallFacts = { work: () => (work ??= inferWork(parts, req)), answer: settledLimit(parts.settings) };
  return {
    fleet: parts.fleet,
    records: parts.records,
    settings: parts.settings,
    home: parts.home,
    memory: parts.memory,
    project: parts.project,
    fallback: parts.fallback,
    ...(parts.agentSystem !== undefined && { agentSystem: parts.agentSystem }),
    routing: () => parts.routing(),
    call,
  };
}

/** `parts` when a call settled them already (a request of a planned call), else `req`'s call settled now. */
export function callOf(parts: JobParts, req: Asked): CallParts {
  return 'call' in parts ? (parts as CallParts) : planCall(parts, req);
}
