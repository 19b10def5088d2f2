import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerMetrics(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'metrics',
    'ollm://metrics',
    {
      title: 'Per-model performance',
      description: 'Per model: requests, successes, failures, average latency, tokens per second, load time, last use and last error — measured by this server and kept across sessions; and loadSpeed, how fast models load on this host (bytes per second, all loads together; assumed until measured), which progress messages and routing use to estimate load times; and savings, what offloaded calls saved the calling assistant (tokens, and money at the savings prices in settings: in total, today, by day, model and task).',
      mimeType: 'application/json',
    },
    async (uri) => {
      await orch.stateRead;
      await orch.savings.load(); // other processes' savings too (one stat when savings.json is unchanged)
      return jsonContents(uri, { models: orch.metrics.all(), loadSpeed: orch.metrics.loadSpeed(), savings: orch.savings.summary() });
    },
  );
}
