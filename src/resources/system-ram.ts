import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerSystemRam(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'system-ram',
    'ollm://system/ram',
    {
      title: 'RAM, swap, VRAM and the model budget',
      description:
        'Total and available RAM (MemAvailable), swap in use, GPU VRAM, the budget for models, the ' +
        'models Ollama has loaded and the headroom left for one more; with several Ollama hosts, ' +
        '`hosts` (each reachable or not) and `unreachable` (those that do not answer, with what to do).',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, await orch.ramStatus()),
  );
}
