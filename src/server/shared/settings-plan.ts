/**
 * A forwarding launch's plan from its loaded settings (memo.ts Plan): the shared server's key,
 * what its hello says of the client's own settings, whether the build's recorded handshake holds
 * for them, the variables holding keys. Loaded only by a launch that loaded its settings; the plan
 * is then kept (memo.ts) for the next launch started the same way.
 */
import { secretVariables } from '../../orchestrator/config/secrets.js';
import type { Settings } from '../../orchestrator/config/index.js';
import { toolAllowed, type ProjectProfile } from '../../orchestrator/project/project.js';
import { ALL_TOOL_NAMES, toolsInSets } from '../../tools/toolsets.js';
import type { CliArgs } from '../args.js';
import type { Loaded } from '../load-settings.js';
import { clientPart } from './hello.js';
import type { Plan } from './memo.js';
import { sharedKey } from './place.js';

/**
 * Whether this launch's settings and project offer what the handshake record was made with (handshake.ts):
 * every tool, to every agent.
 */
export function offersAsRecorded(
  settings: Pick<Settings, 'toolsets' | 'agents'>,
  project: ProjectProfile | undefined,
): boolean {
  const sets = toolsInSets(settings.toolsets);
  return (
    Object.keys(settings.agents).length === 0 && ALL_TOOL_NAMES.every((t) => sets.has(t) && toolAllowed(project, t))
  );
}

/** --project, or OLLM_PROJECT: the project this client names (resolved by the server against its folder). */
const namedProject = (args: Pick<CliArgs, 'project'>): string | undefined =>
  args.project ?? (process.env.OLLM_PROJECT?.trim() || undefined);

export function planOf(args: CliArgs, loaded: Loaded): Plan {
  const { settings } = loaded.config;
  const named = namedProject(args);
  return {
    key: sharedKey(loaded.config),
    home: loaded.config.home,
    ...(named !== undefined && { project: named }),
    ...clientPart(settings),
    offers: offersAsRecorded(settings, loaded.project),
    secretNames: secretVariables(settings),
  };
}
