import {
  ResourceNotFoundError,
  ResourceTemplate,
  type CompleteResourceTemplateCallback,
  type McpServer,
} from '@modelcontextprotocol/server';
import { HostError, type Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

const PREFIX = 'ollm://models/';

export function registerModelCard(server: McpServer, orch: Orchestrator): void {
  const installedNames = async () =>
    (await orch.catalog.list().catch(() => ({ models: [] }))).models.map((m) => m.name);
  server.registerResource(
    'model-card',
    new ResourceTemplate(`${PREFIX}{+name}`, {
      list: async () => ({
        resources: (await installedNames()).map((name) => ({
          uri: `${PREFIX}${name}`,
          name,
          mimeType: 'application/json',
        })),
      }),
      // Null prototype: the SDK looks the argument up here by the name the client sends ("constructor" finds nothing).
      complete: Object.assign(Object.create(null) as Record<string, CompleteResourceTemplateCallback>, {
        name: async (value: string) => (await installedNames()).filter((n) => n.startsWith(value)).slice(0, 100),
      }),
    }),
    {
      title: 'Model card',
      description:
        'One installed model: family, parameters, quantization, trained context window, ' +
        'capabilities, profiles, size, RAM needed, loaded state.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const raw = variables.name;
      const name = decodeURIComponent(Array.isArray(raw) ? raw.join(',') : (raw ?? ''));
      try {
        return jsonContents(uri, await orch.modelCard(name));
      } catch (err) {
        if (err instanceof HostError && err.kind === 'model_not_found')
          throw new ResourceNotFoundError(uri.href, err.message);
        throw err;
      }
    },
  );
}
