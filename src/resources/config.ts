import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerConfig(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'config',
    'ollm://config',
    {
      title: 'Effective settings',
      description:
        'The settings in force (secrets hidden), where each given value came from (file, env var, ' +
        'flag), and the settings folder.',
      mimeType: 'application/json',
    },
    async (uri) => {
      await orch.stateRead; // the preferences it shows
      return jsonContents(uri, orch.effectiveConfig());
    },
  );
}
