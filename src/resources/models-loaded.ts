import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerModelsLoaded(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'models-loaded',
    'ollm://models/loaded',
    {
      title: 'Loaded models',
      description:
        'The models each Ollama host holds in memory now (read fresh from /api/ps), with size, VRAM ' +
        'share, expiry, context, whether this server pins them, requests running and last use; with ' +
        'several hosts, each model names its host, and hosts that do not answer are listed in ' +
        '`unreachable` with what to do.',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, await orch.loadedStatus()),
  );
}
