import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerMetrics(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'metrics',
    'ollm://metrics',
    {
      title: 'Per-model performance',
      description: 'Per model: requests, successes, failures, average latency, tokens per second, load time, last use and last error — measured by this server and kept across sessions.',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, { models: orch.metrics.all() }),
  );
}
