import { ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { OllamaError, type Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

const PREFIX = 'ollm://models/';

export function registerModelCard(server: McpServer, orch: Orchestrator): void {
  const installedNames = async () => (await orch.catalog.list().catch(() => ({ models: [] }))).models.map((m) => m.name);
  server.registerResource(
    'model-card',
    new ResourceTemplate(`${PREFIX}{+name}`, {
      list: async () => ({
        resources: (await installedNames()).map((name) => ({ uri: `${PREFIX}${name}`, name, mimeType: 'application/json' })),
      }),
      complete: {
        name: async (value) => (await installedNames()).filter((n) => n.startsWith(value)).slice(0, 100),
      },
    }),
    {
      title: 'Model card',
      description: 'One installed model: family, parameters, quantization, trained context window, capabilities, profiles, size, RAM needed, loaded state.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const raw = variables.name;
      const name = decodeURIComponent(Array.isArray(raw) ? raw.join(',') : (raw ?? ''));
      try {
        return jsonContents(uri, await orch.modelCard(name));
      } catch (err) {
        if (err instanceof OllamaError && err.kind === 'model_not_found') throw new ResourceNotFoundError(uri.href, err.message);
        throw err;
      }
    },
  );
}
