/**
 * `ollm-mcp shared` (list) and `ollm-mcp shared stop [PID|all]`: the shared servers of this user
 * (shared/servers.ts), and stopping them (shared/stop.ts). Without an argument `stop` stops the
 * servers of this $OLLM_HOME that new launches no longer join (an older build's, other
 * settings', one retiring) — those doctor warns of; `all` every one; a pid that one.
 */
import type { LoadedConfig } from '../orchestrator/config/index.js';
import type { CliArgs } from './args.js';
import { fail, print } from './commands.js';
import { currentName, describeServer, twoPlanners } from './shared/report.js';
import { enginePlans, planLines, type EnginePlan } from './shared/engine-plans.js';
import { socketFolders } from './shared/place.js';
import { allServers, servingHome, type Found } from './shared/servers.js';
import { stopServer } from './shared/stop.js';

function listServers(config: LoadedConfig, servers: Found[], plans: EnginePlan[], json: boolean): number {
  const current = currentName(config);
  if (json) {
    print(
      JSON.stringify(
        {
          servers: servers.map((s) => ({
            pid: s.pid,
            address: s.place.address,
            joined: s.name === current,
            ...(s.who && { server: s.who }),
          })),
          engines: plans,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (servers.length === 0) {
    print(`No shared server of yours is running; the next stdio launch starts one.`);
    return 0;
  }
  print(`${servers.length} shared server${servers.length === 1 ? '' : 's'}:`);
  for (const s of servers) print(`  ${describeServer(s, current)}`);
  if (plans.length) print('Engines:');
  for (const line of planLines(plans)) print(`  ${line}`);
  const two = twoPlanners(servers, config.home);
  if (two) print(`! ${two}`);
  return 0;
}

/** The servers `stop` is asked for, or why none can be. */
function targets(config: LoadedConfig, servers: Found[], which: string | undefined): Found[] | string {
  if (which === 'all') return servers;
  if (which === undefined) {
    const current = currentName(config);
    return servingHome(servers, config.home).filter((s) => s.name !== current);
  }
  if (!/^\d+$/.test(which))
    return (
      `\`shared stop\` takes a pid or "all", got "${which}" — \`ollm-mcp shared\` lists the ` +
      `servers and their pids.`
    );
  const one = servers.filter((s) => s.pid === Number(which));
  return one.length ? one : `No shared server of yours has pid ${which} — \`ollm-mcp shared\` lists them.`;
}

async function stopServers(config: LoadedConfig, servers: Found[], which: string | undefined): Promise<number> {
  const chosen = targets(config, servers, which);
  if (typeof chosen === 'string') return fail(chosen);
  if (chosen.length === 0) {
    print(
      which === 'all'
        ? 'No shared server of yours is running.'
        : `Nothing to stop: no other shared server serves ${config.home} (\`ollm-mcp shared stop ` +
            `all\` stops every one).`,
    );
    return 0;
  }
  let failed = 0;
  for (const r of await Promise.all(chosen.map((s) => stopServer(s)))) {
    // its clients' launches start the next server of their own build and settings (a call in flight is sent
    // there again)
    if (r.stopped)
      print(`Stopped shared server ${r.pid}${r.how === 'SIGTERM' ? ' (it did not answer: sent SIGTERM)' : ''}.`);
    else {
      failed++;
      process.stderr.write(`ollm-mcp: shared server ${r.pid} not stopped: ${r.why}.\n`);
    }
  }
  return failed ? 1 : 0;
}

export async function sharedCommand(config: LoadedConfig, args: CliArgs): Promise<number> {
  const servers = await allServers(config.home);
  if (args.action === 'stop') return stopServers(config, servers, args.params[0]);
  return listServers(config, servers, await enginePlans(await socketFolders(config.home)), args.json);
}
