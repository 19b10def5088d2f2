import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { variablesOf } from '../orchestrator/templates/index.js';
import { MAX_RESOURCE_CHARS, boundList, indentedChars } from '../presenting/answer-bounds.js';
import { jsonContents } from './json.js';

export function registerTemplates(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'templates',
    'ollm://templates',
    {
      title: 'Prompt templates',
      description:
        "Every prompt template — built-in and the user's own — with its variables (required, " +
        'defaults, descriptions), and any template file that could not be read, with the reason. A ' +
        'long list or text is cut, and `cut` says so.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const { templates, problems } = await orch.templates.refresh();
      const listed = templates.map((t) => ({
        name: t.name,
        description: t.description,
        source: t.source,
        ...(t.file && { file: t.file }),
        ...(t.overrides && { overrides: t.overrides }),
        variables: variablesOf(t),
        template: t.template,
      }));
      // a quarter of the room for files that could not be read, the rest for the templates
      const broken = boundList(problems, {
        maxChars: MAX_RESOURCE_CHARS / 4,
        size: indentedChars,
        noun: ['problem', 'problems'],
        rest: '`npx ollm-mcp template list` names every one.',
      });
      const { kept, cut } = boundList(listed, {
        maxChars: MAX_RESOURCE_CHARS - indentedChars(broken.kept),
        size: indentedChars,
        shorten: { field: 'template', name: 'template text' },
        noun: ['template', 'templates'],
        rest: '`npx ollm-mcp template show NAME` prints one whole, and `npx ollm-mcp template list` lists every one.',
      });
      return jsonContents(uri, {
        dir: orch.templates.dir,
        syntax: '{name} is a variable, {name:default} one with a default; write {{ and }} for literal braces.',
        ...(cut && { cut }),
        templates: kept,
        problems: broken.kept,
        ...(broken.cut && { problemsCut: broken.cut }),
      });
    },
  );
}
