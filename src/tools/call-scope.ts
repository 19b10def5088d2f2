/**
 * What one call could read, and what else makes its answer its client's own, as a string hashed
 * into its job's key (long-call.ts): the project or working folder its paths resolve in (and the
 * project's system prompt with it), the client's roots it read in, the roots settings allow, and
 * the settings its client keeps in a shared server (server/shared/place.ts CLIENT_SETTINGS). Two
 * windows of one agent in two projects so never share a job.
 */
import type { Orchestrator } from '../orchestrator/index.js';

/**
 * `orch` as the call's session sees it (server/core.ts sessionView); `clientRoots`: the roots its inputs were
 * read in, when it read any.
 */
export function callScope(
  orch: Pick<Orchestrator, 'project' | 'workingDir' | 'config'>,
  clientRoots: readonly string[] | undefined,
): string {
  const { inputs, model } = orch.config.settings;
  return JSON.stringify([
    orch.project?.root ?? orch.workingDir ?? null,
    orch.project?.explicit === true,
    clientRoots ?? null,
    inputs.roots,
    model.default ?? null,
    model.routing.defaultProfile ?? null,
  ]);
}
