import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { MAX_RESOURCE_CHARS, boundList, indentedChars } from '../presenting/answer-bounds.js';
import { jsonContents } from './json.js';

export function registerModelsDatabase(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'models-database',
    'ollm://models/database',
    {
      title: 'Model database',
      description:
        'Known model families by name pattern (context window, capabilities, routing profiles), and ' +
        'the installed models merged with what Ollama reports about them (a long list is cut, and ' +
        '`cut` says so).',
      mimeType: 'application/json',
    },
    async (uri) => {
      const db = await orch.modelDatabase();
      // the patterns are the built-in table, of known size; the installed models fill the rest
      const installed = boundList(db.installed, {
        maxChars: MAX_RESOURCE_CHARS - indentedChars(db.patterns),
        size: indentedChars,
        noun: ['installed model', 'installed models'],
        rest: 'ollm://models/{name} describes any one model, and `ollama list` on each host lists every one.',
      });
      return jsonContents(uri, { ...db, installed: installed.kept, ...(installed.cut && { cut: installed.cut }) });
    },
  );
}
