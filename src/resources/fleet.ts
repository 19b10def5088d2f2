import type { McpServer } from '@modelcontextprotocol/server';
import type { Orchestrator } from '../orchestrator/index.js';
import { jsonContents } from './json.js';

export function registerFleet(server: McpServer, orch: Orchestrator): void {
  server.registerResource(
    'fleet',
    'ollm://fleet',
    {
      title: 'Hosts: Ollama, llama.cpp routers and OpenAI-compatible engines',
      description:
        'Every backend ollm-mcp can use: each Ollama host and llama.cpp router (kind, reachable or not, its memory as loading decisions see it and where the figures come from, loaded models, requests running; for a router also `modelsMax` and every model with its status — loaded, loading, unloaded, failed — and memory), each OpenAI-compatible host from settings (health from a cheap check, priority, cooldown after failures), and `unreachable`: the Ollama hosts that do not answer, with what to do.',
      mimeType: 'application/json',
    },
    async (uri) => jsonContents(uri, await orch.fleetStatus()),
  );
}
