import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { MAX_RESOURCE_CHARS, boundList, indentedChars } from '../presenting/answer-bounds.js';
import { jsonContents } from './json.js';
import { offeredList } from '../presenting/footprint.js';
import { footprint } from '../orchestrator/index.js';
import { byCodeUnit } from '../orchestrator/util/locale-free.js';

/** Each growing list gets a third of the room: models used, days with calls, and models that saved. */
const SHARE = MAX_RESOURCE_CHARS / 3;

export function registerMetrics(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'metrics',
    'ollm://metrics',
    {
      title: 'Per-model performance',
      description:
        'Per model: requests, successes, failures, average latency, tokens per second, load time, ' +
        'last use and last error — measured by this server and kept across sessions; and loadSpeed, ' +
        'how fast models load on this host (bytes per second, all loads together; assumed until ' +
        'measured), which progress messages and routing use to estimate load times; and savings, ' +
        'what offloaded calls saved the calling assistant (tokens, and money at the savings prices ' +
        'in settings: in total, today, by day, model and task); and agents, per client (its MCP ' +
        'clientInfo.name), the busiest first: tool calls and failures, offloaded calls with their ' +
        'local prompt and output tokens, what they saved, and the verdicts it gave (rate_answer); ' +
        'and footprint, what the tool list costs the calling model every turn and how many ' +
        "offloaded calls pay for a session's worth of it. The models used last and the newest days " +
        'come first; a long list is cut, and `cut` says so.',
      mimeType: 'application/json',
    },
    async (uri) => {
      await orch.stateRead;
      // other processes' savings and agents too (nothing read when no process changed them)
      await Promise.all([orch.savings.load(), orch.agents.load()]);
      const used = Object.entries(orch.metrics.all()).sort(([, a], [, b]) => byCodeUnit(b.lastUsed, a.lastUsed));
      const { byAgent, ...savings } = orch.savings.summary();
      const agents = boundList(orch.agents.records(byAgent), {
        maxChars: SHARE / 2,
        size: indentedChars,
        noun: ['agent', 'agents'],
        rest: 'the ones with fewest requests are left out.',
      });
      const list = offeredList();
      const models = boundList(used, {
        maxChars: SHARE,
        size: indentedChars,
        noun: ['model', 'models'],
        rest: 'the ones used longest ago are left out; show_status has the loaded models.',
      });
      const days = boundList(savings.byDay, {
        maxChars: SHARE,
        size: indentedChars,
        noun: ['day', 'days'],
        rest: 'the oldest days are left out; savings.total counts them.',
      });
      const byModel = boundList(savings.byModel, {
        maxChars: SHARE,
        size: indentedChars,
        noun: ['model', 'models'],
        rest: 'the ones that saved least are left out; savings.total counts them.',
      });
      const cut = {
        ...(agents.cut && { agents: agents.cut }),
        ...(models.cut && { models: models.cut }),
        ...(days.cut && { byDay: days.cut }),
        ...(byModel.cut && { byModel: byModel.cut }),
      };
      return jsonContents(uri, {
        models: Object.fromEntries(models.kept),
        loadSpeed: orch.metrics.loadSpeed(),
        // per agent (client, by its clientInfo.name): calls, local tokens, what it saved, verdicts; the busiest first
        agents: agents.kept,
        savings: { ...savings, byDay: days.kept, byModel: byModel.kept },
        // what the tool list costs the calling model every turn, against what offloading saved
        footprint: footprint(list.chars, list.tools, savings.prices, savings.total),
        ...(Object.keys(cut).length > 0 && { cut }),
      });
    },
  );
}
