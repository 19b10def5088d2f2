import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerModelsLoaded(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'models-loaded',
    'ollm://models/loaded',
    {
      title: 'Loaded models',
      description: 'The models Ollama holds in memory now (read fresh from /api/ps), with size, VRAM share, expiry, context, whether this server pins them, requests running and last use.',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, { host: orch.host, loaded: await orch.loadedView() }),
  );
}
