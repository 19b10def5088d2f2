import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerModelsDatabase(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'models-database',
    'ollm://models/database',
    {
      title: 'Model database',
      description: 'Known model families by name pattern (context window, capabilities, routing profiles), and the installed models merged with what Ollama reports about them.',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, await orch.modelDatabase()),
  );
}
