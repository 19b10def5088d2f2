import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { renderTemplateTool, templateTask } from '../../src/tools/render-template.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

let fake: FakeOllama | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await fake?.stop();
});

describe('render_template with generate', () => {
  it('routes code_review as code work, even when the code mentions errors and the review looks for bugs', async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 1 });
    const core = await coreFor(fake, { totalBytes: 24e9, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
    const server = new McpServer({ name: 'ollm-test', version: '1' });
    renderTemplateTool(server, core);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'ollm-test', version: '1' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    close = () => client.close();
    const code = 'def parse(s):\n    """Raises:\n        ValueError: if s is empty\n    """\n    return int(s)';
    const res = await client.callTool({
      name: 'render_template',
      arguments: { name: 'code_review', variables: { language: 'Python', code }, generate: true },
    });
    expect(res.isError).toBeFalsy();
    const generated = (res.structuredContent as { generated: { task: string; model: string } }).generated;
    expect(generated.task).toBe('code');
    expect(generated.model).toBe('qwen2.5-coder:7b');
  });

  it("uses the caller's task first, a built-in template's own next, and leaves a user's template to inference", () => {
    expect(templateTask({ name: 'code_review', source: 'builtin' })).toBe('code');
    expect(templateTask({ name: 'commit_message', source: 'builtin' })).toBe('code');
    expect(templateTask({ name: 'summarize', source: 'builtin' })).toBe('summarize');
    expect(templateTask({ name: 'code_review', source: 'builtin' }, 'debugging')).toBe('debugging');
    expect(templateTask({ name: 'code_review', source: 'user' })).toBeUndefined();
    expect(templateTask({ name: 'explain', source: 'builtin' })).toBeUndefined();
  });
});
