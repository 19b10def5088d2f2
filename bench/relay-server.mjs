/**
 * The floor under any MCP server for a local engine, for `npm run bench -- peer`: the official SDK
 * over stdio with one tool that only relays a prompt to Ollama's /api/generate (node:http, one
 * kept-alive connection) and returns the text — no routing, memory, checks, records or output
 * schema. What it costs above raw HTTP is what the protocol, the SDK and a process hop cost on
 * this machine, whatever a server does. Reads OLLAMA_HOST; logs nothing.
 */
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

const host = process.env.OLLAMA_HOST ?? '127.0.0.1:11434';
const base = new URL(host.includes('://') ? host : `http://${host}`);
const agent = new http.Agent({ keepAlive: true });

function generate(model, prompt) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model, prompt, stream: false, options: { num_predict: 16 } });
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: '/api/generate',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text).response ?? ''));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const server = new McpServer({ name: 'relay', version: '1.0.0' });
server.registerTool(
  'generate',
  { description: 'Relays a prompt.', inputSchema: z.object({ model: z.string(), prompt: z.string() }) },
  async ({ model, prompt }) => ({
    content: [{ type: 'text', text: await generate(model, prompt) }],
  }),
);
await server.connect(new StdioServerTransport());
