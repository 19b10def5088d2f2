import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { MAX_RESOURCE_CHARS } from '../presenting/answer-bounds.js';
import { boundedFleet } from '../presenting/fleet.js';
import { jsonContents } from './json.js';

export function registerFleet(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'fleet',
    'ollm://fleet',
    {
      title: 'Hosts: Ollama, llama.cpp routers and OpenAI-compatible engines',
      description:
        'Every backend ollm-mcp can use: each Ollama host and llama.cpp router (kind, reachable or ' +
        'not, its memory as loading decisions see it and where the figures come from, loaded ' +
        'models, requests running; for a router also `modelsMax` and every model with its status — ' +
        'loaded, loading, unloaded, failed — and memory, cut when long with `modelsCut` saying so), ' +
        'each OpenAI-compatible host (`managesMemory: false`: it loads its own models), the cloud ' +
        'fallback (cheap health), `unreachable`: the hosts that do not answer, with what to do, and ' +
        '— from the shared server of every stdio client — `clients`: each connected client (name, ' +
        'version, pid, folder, project, since).',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, boundedFleet(await orch.fleetStatus(), MAX_RESOURCE_CHARS)),
  );
}
