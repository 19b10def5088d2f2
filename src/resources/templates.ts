import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { variablesOf } from '../orchestrator/templates/index.js';
import { jsonContents } from './json.js';

export function registerTemplates(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'templates',
    'ollm://templates',
    {
      title: 'Prompt templates',
      description: 'Every prompt template — built-in and the user\'s own — with its variables (required, defaults, descriptions), and any template file that could not be read, with the reason.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const { templates, problems } = await orch.templates.refresh();
      return jsonContents(uri, {
        dir: orch.templates.dir,
        syntax: '{name} is a variable, {name:default} one with a default; write {{ and }} for literal braces.',
        templates: templates.map((t) => ({
          name: t.name,
          description: t.description,
          source: t.source,
          ...(t.file && { file: t.file }),
          ...(t.overrides && { overrides: t.overrides }),
          variables: variablesOf(t),
          template: t.template,
        })),
        problems,
      });
    },
  );
}
