/**
 * The built server lists exactly what the source registers: every tool with the JSON Schemas the
 * source converts, every resource and resource template. The build records them in the catalog
 * (scripts/build.mjs, src/server/catalog.ts) so a starting server lists them without loading the
 * tools' code or converting a schema, and they must never drift from the code they come from.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../../src/resources/index.js';
import { loadSkills } from '../../src/server/skills.js';
import { TASK_TOOLS } from '../../src/server/task-shapes.js';
import { TOOLS } from '../../src/tools/index.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { connect, E2E_TRANSPORT, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start();
});
afterAll(async () => {
  await fake?.stop();
});

describe.skipIf(E2E_TRANSPORT !== 'stdio')('tool schemas', () => {
  it(
    'the built server lists the same tools, input and output schemas, resources and resource ' +
      'templates as the source',
    async () => {
      const built = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
      const server = new McpServer({ name: 'source', version: '1' });
      const core = await coreFor(fake);
      for (const register of TOOLS) register(server, core);
      for (const register of RESOURCES) register(server, core);
      (await loadSkills())!.attach(server); // the skills the package ships, served beside the resources
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const client = new Client({ name: 'source', version: '1' });
      await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
      try {
        const fromBuild = (await built.client.listTools()).tools;
        const fromSource = (await client.listTools()).tools;
        expect(fromBuild.map((t) => t.name).sort()).toEqual(fromSource.map((t) => t.name).sort());
        for (const t of fromSource) {
          const b = fromBuild.find((x) => x.name === t.name)!;
          expect(b.inputSchema, t.name).toEqual(t.inputSchema);
          expect(b.outputSchema, t.name).toEqual(t.outputSchema);
          expect({ ...b, inputSchema: undefined, outputSchema: undefined, execution: undefined }, t.name).toEqual({
            ...t,
            inputSchema: undefined,
            outputSchema: undefined,
          });
          // the server, not the tool, says which may run as an MCP task (server/tasks.ts)
          expect(b.execution, t.name).toEqual(TASK_TOOLS.has(t.name) ? { taskSupport: 'optional' } : undefined);
        }
        // the fixed resources (the templates' lists name installed models: the same fake for both)
        expect((await built.client.listResources()).resources).toEqual((await client.listResources()).resources);
        expect((await built.client.listResourceTemplates()).resourceTemplates).toEqual(
          (await client.listResourceTemplates()).resourceTemplates,
        );
      } finally {
        await client.close();
        await built.close();
      }
    },
  );
});
