/** The MCP Apps views as ui:// resources: self-contained HTML a host renders for compare and show_status. */
import type { McpServer } from '@modelcontextprotocol/server';
import { RESOURCE_MIME_TYPE, registerAppResource } from '@modelcontextprotocol/ext-apps/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { VIEWS, viewHtml, type ViewName } from '../views/index.js';

export function registerViews(server: McpServer, _orch: Orchestrator): void {
  for (const name of Object.keys(VIEWS) as ViewName[]) {
    const view = VIEWS[name];
    registerAppResource(
      server,
      `view-${name}`,
      view.uri,
      { title: view.title, description: view.description, mimeType: RESOURCE_MIME_TYPE },
      async () => ({
        contents: [
          { uri: view.uri, mimeType: RESOURCE_MIME_TYPE, text: viewHtml(name), _meta: { ui: { prefersBorder: true } } },
        ],
      }),
    );
  }
}
