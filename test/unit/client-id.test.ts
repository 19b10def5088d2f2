// Who asks, for turns on a model's slots (issue 55, finding 4): each connection is a client of its
// own — two windows of one client (one name) take turns — an HTTP session too; a stateless HTTP
// request, with a server of its own per request, is its agent.
import { describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/server';
import { clientId } from '../../src/tools/client-id.js';

const server = () => new McpServer({ name: 't', version: '1' });

describe('clientId', () => {
  it('tells two connections of one name apart, and keeps one connection one client', () => {
    const one = server();
    const two = server();
    const a = clientId(one, {}, 'claude-code');
    expect(clientId(one, {}, 'claude-code')).toBe(a);
    expect(clientId(two, {}, 'claude-code')).not.toBe(a);
  });

  it('goes by the session over HTTP, and by the agent for a stateless request', () => {
    const http = { http: {} } as never;
    expect(clientId(server(), { ...(http as object), sessionId: 's1' }, 'bot')).toBe(
      clientId(server(), { ...(http as object), sessionId: 's1' }, 'bot'),
    );
    expect(clientId(server(), { ...(http as object), sessionId: 's1' }, 'bot')).not.toBe(
      clientId(server(), { ...(http as object), sessionId: 's2' }, 'bot'),
    );
    expect(clientId(server(), http, 'bot')).toBe('bot');
  });
});
