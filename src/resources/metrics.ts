import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerMetrics(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'metrics',
    'ollm://metrics',
    {
      title: 'Per-model performance',
      description: 'Per model: requests, successes, failures, average latency, tokens per second, load time, last use and last error — measured by this server and kept across sessions; and loadSpeed, how fast models load on this host (bytes per second, all loads together; assumed until measured), which progress messages and routing use to estimate load times.',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, { models: orch.metrics.all(), loadSpeed: orch.metrics.loadSpeed() }),
  );
}
