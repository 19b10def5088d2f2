/**
 * The handshake a client makes at start — `initialize`, then `tools/list` — as the built server
 * answers it with the settings every client gets by default, recorded into `handshake.json` beside
 * the build. A stdio launch that forwards to the shared server answers those two from this record
 * while the shared server is reached or started (src/server/shared/handshake.ts), so a client is
 * not kept waiting for a second process to start; the shared server answers everything else.
 * Recorded from the real server, one run per protocol version the SDK speaks: the bytes a client
 * gets are the server's own. The build fails when the answers depend on what the client offers
 * (its capabilities), which the record cannot follow.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

const RICH = {
  roots: { listChanged: true },
  sampling: {},
  elicitation: { form: {} },
  extensions: { 'io.modelcontextprotocol/skills': {} },
};

/** initialize (with `capabilities`) and tools/list answered by a fresh server of `cli`: the two results as JSON text. */
function handshake(cli, protocolVersion, capabilities) {
  const home = mkdtempSync(join(tmpdir(), 'ollm-handshake-'));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, '--no-shared'], {
      cwd: home,
      // its socket folder (where it claims the engines it would plan) in its own home too: nothing left in /tmp
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        OLLM_HOME: home,
        OLLM_TEST_RUNTIME_DIR: home,
        TMPDIR: home,
        OLLAMA_HOST: '127.0.0.1:9',
        OLLM_LOG_LEVEL: 'error',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const timer = setTimeout(() => child.kill(), 30_000);
    const answers = new Map();
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        const message = JSON.parse(text.slice(0, nl));
        text = text.slice(nl + 1);
        if (message.id === undefined) continue;
        if (message.error) return fail(new Error(`handshake: ${JSON.stringify(message.error)}`));
        answers.set(message.id, JSON.stringify(message.result));
        if (message.id === 1)
          child.stdin.write(
            `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`,
          );
        if (message.id === 2) child.kill();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      if (answers.size === 2) done({ initialize: answers.get(1), tools: answers.get(2) });
      else
        fail(
          new Error(`handshake: the built server answered ${answers.size} of 2 requests (protocol ${protocolVersion})`),
        );
    });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion, capabilities, clientInfo: { name: 'ollm-build', version: '1' } } })}\n`,
    );
  });
}

/** Records `dir`/handshake.json from `dir`/cli.js, for every protocol version the SDK speaks. */
export async function recordHandshake(dir, version) {
  const cli = resolve(dir, 'cli.js');
  const runs = await Promise.all(SUPPORTED_PROTOCOL_VERSIONS.map((v) => handshake(cli, v, {})));
  const rich = await handshake(cli, SUPPORTED_PROTOCOL_VERSIONS[0], RICH);
  if (rich.initialize !== runs[0].initialize || rich.tools !== runs[0].tools) {
    throw new Error(
      "handshake: the server answers initialize or tools/list differently by the client's capabilities; the launcher's record (src/server/shared/handshake.ts) cannot follow that",
    );
  }
  const tools = [...new Set(runs.map((r) => r.tools))];
  const record = {
    version,
    protocols: Object.fromEntries(
      SUPPORTED_PROTOCOL_VERSIONS.map((v, i) => [
        v,
        { initialize: runs[i].initialize, tools: tools.indexOf(runs[i].tools) },
      ]),
    ),
    tools,
  };
  writeFileSync(join(dir, 'handshake.json'), JSON.stringify(record));
}
