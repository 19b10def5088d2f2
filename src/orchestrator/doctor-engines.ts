/**
 * doctor's word on the engines themselves (issue 83, findings 8-9): which release each host's engine runs, read
 * from its own answer (Ollama's /api/version, llama-server's /props build_info), with a warning naming the
 * release to upgrade to when it has known holes (engines/known-holes.ts); and a llama-server that several
 * agents use through ollm-mcp while it keeps its prompt cache in RAM across requests (docs/llamacpp.md).
 */
import type { Orchestrator } from './orchestrator.js';
import type { Check } from './doctor-memory.js';
import type { HostAnswer } from './doctor-hosts.js';
import type { EngineReport } from './engines/engine.js';
import { holesText, versionVerdict, type VersionVerdict } from './engines/known-holes.js';

type Host = Orchestrator['hosts'][number];

/** What one host's engine says of itself: its release, and a llama-server's report (for its prompt cache). */
interface EngineSeen {
  host: Host;
  verdict: VersionVerdict;
  report?: EngineReport;
}

/** The engines that answered and whose version says which code runs (Ollama, llama.cpp). */
async function enginesSeen(orch: Orchestrator, answers: ReadonlyMap<string, HostAnswer>): Promise<EngineSeen[]> {
  const seen = await Promise.all(
    orch.hosts.map(async (host): Promise<EngineSeen | undefined> => {
      const answer = answers.get(host.name);
      if (!answer || !('version' in answer)) return undefined;
      if (host.kind === 'ollama') return { host, verdict: versionVerdict('ollama', answer.version) };
      if (host.kind !== 'llamacpp') return undefined;
      const report = await host.engine.report?.().catch(() => undefined);
      return { host, verdict: versionVerdict('llamacpp', report?.version), ...(report && { report }) };
    }),
  );
  return seen.filter((s): s is EngineSeen => s !== undefined);
}

/** One line naming each engine's release, and a warning for each with known holes, with the release to upgrade to. */
function versionChecks(seen: readonly EngineSeen[]): Check[] {
  if (!seen.length) return [];
  const named: Check = {
    name: 'Engine versions',
    level: 'ok',
    detail: seen.map((s) => `${s.host.name}: ${s.verdict.name}`).join('; '),
  };
  const holes = seen.flatMap(({ host, verdict }): Check[] => {
    const warning = holesText(verdict);
    if (!warning) return [];
    return [
      {
        name: 'Engine version',
        level: 'warn',
        detail: `${host.name} (${host.address}): ${warning}`,
        fix: `${verdict.fix} (docs/engine-versions.md lists the known holes)`,
      },
    ];
  });
  return [named, ...holes];
}

/**
 * A llama-server that several agents use (the agents seen here, and those with their own HTTP token) and that
 * keeps its prompt cache in RAM across requests and slots — on unless started with --cache-ram 0. A router
 * says so per model (its args); a single llama-server's /props does not say, so it is warned of as on.
 */
function sharedCacheChecks(seen: readonly EngineSeen[], agents: readonly string[]): Check[] {
  if (agents.length < 2) return [];
  const who = `${agents.length} agents use it through ollm-mcp (${agents.slice(0, 4).join(', ')}${agents.length > 4 ? ', …' : ''})`;
  return seen.flatMap(({ host, report }): Check[] => {
    if (!report) return [];
    const cache = report.promptCache;
    if (cache && cache.on.length === 0) return [];
    const which = cache
      ? `its models ${cache.on.slice(0, 5).join(', ')}${cache.on.length > 5 ? ', …' : ''} run with it on`
      : 'its /props does not say whether it is on (it is unless started with --cache-ram 0)';
    return [
      {
        name: 'Shared llama-server',
        level: 'warn',
        detail:
          `${host.name} (${host.address}): ${who}, and llama-server keeps a prompt cache in RAM across requests ` +
          `and slots (--cache-ram, 8192 MiB by default; idle slots are saved into it) — ${which}. Open reports ` +
          `(llama.cpp #27148, #27422) tell of one conversation's cached prompt restored into an unrelated ` +
          `request, with no sign to the client`,
        fix:
          'where the agents must not share cached conversations, start that llama-server with --cache-ram 0 ' +
          '(docs/llamacpp.md, "One llama-server, several agents")',
      },
    ];
  });
}

/**
 * The engines' checks: each one's release and its known holes, and a shared llama-server's prompt cache.
 * `agents`: the names of the agents that use this ollm-mcp (seen here, or given an HTTP token).
 */
export async function engineChecks(
  orch: Orchestrator,
  answers: ReadonlyMap<string, HostAnswer>,
  agents: readonly string[],
): Promise<Check[]> {
  const seen = await enginesSeen(orch, answers);
  return [...versionChecks(seen), ...sharedCacheChecks(seen, agents)];
}
