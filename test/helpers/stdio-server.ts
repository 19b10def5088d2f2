/**
 * A built server over stdio on a given $OLLM_HOME, with its process id so a test can signal it, and a
 * `remember` that throws on an isError.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, serverEnv } from './spawn.js';

export async function stdioServer(home: string, ollamaHost: string, env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: serverEnv({ OLLM_HOME: home, OLLAMA_HOST: ollamaHost, OLLM_LOG_LEVEL: 'warn', ...env }),
    stderr: 'pipe',
    cwd: home,
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'ollm-e2e', version: '1.0.0' });
  await client.connect(transport);
  const remember = async (key: string) => {
    const r = await client.callTool({ name: 'remember', arguments: { key, value: `value of ${key}` } });
    if (r.isError) throw new Error((r.content as Array<{ text: string }>)[0]!.text);
    return key;
  };
  return {
    client,
    pid: transport.pid!,
    remember,
    stderr: () => stderr,
    close: () => client.close().catch(() => undefined),
  };
}
