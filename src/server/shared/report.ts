/**
 * The shared servers said in words, as `ollm-mcp shared` lists them and doctor checks them: each
 * one's pid, build, what it serves, since when, its clients, whether it retires; doctor warns when
 * more than one serves this $OLLM_HOME (two planners of one engine, each blind to the other's loads).
 */
import type { LoadedConfig, Settings } from '../../orchestrator/config/index.js';
import { connectedClientLimit, limitText } from '../../orchestrator/config/client-limits.js';
import type { Check } from '../../orchestrator/doctor-memory.js';
import { release } from './build.js';
import { enginePlans, planLines } from './engine-plans.js';
import { placeName, SharedUnavailable, sharedKey, sharedPlace, socketFolders, type Place } from './place.js';
import { allServers, servingHome, type Found } from './servers.js';

/** The most clients a server's line names (the rest counted). */
export const MAX_CLIENTS_SAID = 20;

/** One server in one line: what it is, then its clients. */
export function describeServer(s: Found, current?: string): string {
  const w = s.who;
  if (!w)
    return (
      `pid ${s.pid} at ${s.place.address}: gives no answer (an ollm-mcp of an earlier release, or ` +
      `stuck): \`ollm-mcp shared stop ${s.pid}\` stops it.`
    );
  const what = [
    `ollm-mcp ${w.version}${w.build ? ` build ${w.build}` : ''}`,
    w.daemon === undefined ? undefined : w.daemon ? '`ollm-mcp daemon`' : 'hosted by a launch',
    w.since && `since ${w.since}`,
  ]
    .filter(Boolean)
    .join(', ');
  const serves = w.home ? `, serving ${w.home} (settings ${w.file ?? '?'}, key ${w.key ?? '?'})` : '';
  const state = w.retiring
    ? ' — retiring: exits once its clients have left'
    : s.name === current
      ? ' — new launches join it'
      : '';
  // each client as askWho cleaned it (who-answer.ts); the first MAX_CLIENTS_SAID of them
  const clients = w.clients
    .slice(0, MAX_CLIENTS_SAID)
    .map(
      (c) =>
        `${c.name ?? 'a client'}${c.version ? ` ${c.version}` : ''} (pid ${c.pid}, in ` +
        `${c.cwd}${c.project ? `, project ${c.project}` : ''}, since ${c.since})`,
    );
  const more = w.clients.length > MAX_CLIENTS_SAID ? `; and ${w.clients.length - MAX_CLIENTS_SAID} more` : '';
  return (
    `pid ${w.pid}, ${what}, at ${s.place.address}${serves}${state}; ${w.clients.length} ` +
    `client${w.clients.length === 1 ? '' : 's'} ` +
    `connected${clients.length ? `: ${clients.join('; ')}${more}` : ''}.`
  );
}

/** The name of the place new launches with these settings use (undefined when the folder cannot be used). */
async function currentPlace(config: LoadedConfig): Promise<Place | SharedUnavailable> {
  try {
    return await sharedPlace(config, release());
  } catch (err) {
    if (err instanceof SharedUnavailable) return err;
    throw err;
  }
}

export const currentName = (config: LoadedConfig): string => placeName(release(), sharedKey(config));

/** The warning when more than one server serves `home`, else undefined. */
export function twoPlanners(servers: Found[], home: string): string | undefined {
  const same = servingHome(servers, home);
  if (same.length < 2) return undefined;
  return (
    `${same.length} servers serve ${home} (pids ${same.map((s) => s.pid).join(', ')}): each ` +
    `engine is planned by the one that claimed it first, the other's calls go through it; the ` +
    `older retires when its clients leave; \`ollm-mcp shared stop\` to stop it now.`
  );
}

/**
 * The doctor's checks of the shared servers: off, none running, or each one and its clients (a
 * warning when two serve this $OLLM_HOME); then, when clients are connected to those serving this
 * $OLLM_HOME, how long each waits for a tool call.
 */
export async function sharedChecks(config: LoadedConfig): Promise<Check[]> {
  const name = 'shared server';
  if (!config.settings.shared.enabled)
    return [
      {
        name,
        level: 'ok',
        detail: 'off: each stdio launch serves on its own (shared.enabled: false or OLLM_SHARED=0).',
      },
    ];
  const place = await currentPlace(config);
  if (place instanceof SharedUnavailable)
    return [
      {
        name,
        level: 'warn',
        detail: `cannot be used: ${place.message}`,
        fix: 'launches serve on their own until this is fixed.',
      },
    ];
  const servers = await allServers(config.home);
  if (servers.length === 0)
    return [{ name, level: 'ok', detail: `none running now; the next stdio launch starts one at ${place.address}.` }];
  const current = currentName(config);
  const detail = `${servers.length === 1 ? '' : `${servers.length} running: `}${servers.map((s) => describeServer(s, current)).join(' | ')}${servers.some((s) => s.name === current) ? '' : ` The next stdio launch starts one at ${place.address}.`}`;
  const two = twoPlanners(servers, config.home);
  const limits = clientLimitsCheck(servingHome(servers, config.home), config.settings);
  const plans = planLines(await enginePlans(await socketFolders(config.home)));
  return [
    two ? { name, level: 'warn', detail, fix: two } : { name, level: 'ok', detail },
    ...(plans.length ? [{ name: 'engine plans', level: 'ok' as const, detail: plans.join(' ') }] : []),
    ...(limits ? [limits] : []),
  ];
}

/**
 * How long each client of `servers` waits for a tool call, under `settings` (its agent's
 * agents.NAME.timeoutSeconds, else its client's known limit, else the MCP SDK's 60 s:
 * config/client-limits.ts); the first MAX_CLIENTS_SAID of them. Undefined when none is connected.
 */
export function clientLimitsCheck(
  servers: readonly Found[],
  settings: Pick<Settings, 'agents' | 'http'>,
): Check | undefined {
  const clients = servers.flatMap((s) => s.who?.clients ?? []);
  if (clients.length === 0) return undefined;
  const each = clients
    .slice(0, MAX_CLIENTS_SAID)
    .map((c) => `${c.name ?? 'a client'} (pid ${c.pid}) ${limitText(connectedClientLimit(c.name, settings), c.name)}`);
  const more = clients.length > MAX_CLIENTS_SAID ? `; and ${clients.length - MAX_CLIENTS_SAID} more` : '';
  return {
    name: 'client time limits',
    level: 'ok',
    detail:
      `${each.join('; ')}${more}. A call longer than its client waits is lost to it; ` +
      `agents.NAME.timeoutSeconds in settings says otherwise for a client.`,
  };
}
