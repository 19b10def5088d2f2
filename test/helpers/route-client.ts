/** route_and_generate served in-process over an orchestrator, and a client of it named `name`. */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerateTool } from '../../src/tools/route-and-generate.js';

export async function routeClient(orch: Orchestrator, name: string): Promise<Client> {
  const server = new McpServer({ name: 'ollm-test', version: '1' });
  routeAndGenerateTool(server, orch);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const c = new Client({ name, version: '1' });
  await Promise.all([server.connect(serverSide), c.connect(clientSide)]);
  return c;
}
