// An address's user name and password reach no message of the built server (issue 80, finding 7): the
// start-up refusal of an Ollama address holding them (config.yaml, OLLAMA_HOST, OLLM_HOST) says what to
// do instead, on stderr — the MCP client's log — without them; `doctor`, a tool's error, show_status,
// ollm://config and the log show every other host's address with `[redacted]` in their place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedAddress } from '../helpers/closed-address.js';
import { connect, run, tempHome } from '../helpers/spawn.js';

const PASSWORD = 's3cretPw0rd';
/** A key given as an address's user name alone (`http://KEY@box`): no shape but its place tells it. */
const TOKEN = 'tok3nAloneValue';
const leaks = (text: string) => [PASSWORD, TOKEN, 'bob:'].filter((s) => text.includes(s));

describe('the start-up refusal of an Ollama address with a password', () => {
  const hostLine = (from: string) =>
    new RegExp(
      String.raw`^ollm-mcp: Invalid setting ollama\.host = "(http://)?\[redacted\]@127\.0\.0\.1:11434" ` +
        String.raw`\(from ${from}\): ` +
        String.raw`.* holds a user name or password .*: remove it — an engine that needs a key goes under hosts ` +
        String.raw`\(kind openai, llamacpp or ollm\), with tokenEnv naming the variable that holds the key; .*\n$`,
    );
  it.each([
    ['config.yaml', `ollama:\n  host: "http://bob:${PASSWORD}@127.0.0.1:11434"\n`, {}, '.*config\\.yaml'],
    ['OLLAMA_HOST', undefined, { OLLAMA_HOST: `http://bob:${PASSWORD}@127.0.0.1:11434` }, 'env OLLAMA_HOST'],
    ['OLLM_HOST, without a scheme', undefined, { OLLM_HOST: `bob:${PASSWORD}@127.0.0.1:11434` }, 'env OLLM_HOST'],
  ])('%s: one line on stderr without the password, saying what to do', async (_what, yaml, env, from) => {
    const r = await run([], { OLLM_HOME: tempHome(yaml), ...env });
    expect(r.code).toBe(1);
    expect(leaks(r.stderr)).toEqual([]);
    expect(r.stderr).toMatch(hostLine(from));
  });

  it('an entry of hosts too, and doctor refuses it the same way', async () => {
    const home = tempHome(`hosts:\n  - {name: box, kind: ollama, url: "http://bob:${PASSWORD}@box:11434"}\n`);
    const r = await run(['doctor'], { OLLM_HOME: home });
    expect(r.code).toBe(1);
    expect(leaks(r.stderr + r.stdout)).toEqual([]);
    expect(r.stderr).toMatch(/^ollm-mcp: Invalid setting hosts\.0\.url = "http:\/\/\[redacted\]@box:11434" /);
  });
});

describe('hosts of every other kind with credentials in their addresses', () => {
  let home: string;
  let closed: string;
  let session: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    closed = await closedAddress();
    home = tempHome(
      [
        'hosts:',
        `  - {name: lab, kind: openai, url: "http://bob:${PASSWORD}@${closed}/v1?tier=a@b"}`,
        `  - {name: box, kind: ollm, url: "http://${TOKEN}@${closed}/mcp"}`,
        `  - {name: lc, kind: llamacpp, url: "http://bob:${PASSWORD}@${closed}"}`,
        'fallback:',
        `  baseURL: "https://bob:${PASSWORD}@${closed}/v1"`,
        '  model: cloud-model',
        '',
      ].join('\n'),
    );
    session = await connect({ OLLM_HOME: home, OLLAMA_HOST: closed });
  });
  afterAll(async () => {
    await session?.close();
  });

  it("doctor's report names each host without them", async () => {
    const r = await run(['doctor'], { OLLM_HOME: home, OLLAMA_HOST: closed });
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    expect(r.stdout).toContain(`fallback = https://[redacted]@${closed}/v1 (from `);
    // the box's own failure quotes its address: with [redacted] for the key
    expect(r.stdout).toContain(`http://[redacted]@${closed}/mcp`);
  });

  it("a tool's error, show_status, ollm://config and the log: none holds them", async () => {
    const listed = await session.client.callTool({ name: 'list_models', arguments: {} });
    const text = JSON.stringify(listed);
    expect(listed.isError).toBe(true);
    expect(text).toContain(`http://[redacted]@${closed}/mcp`);
    const status = JSON.stringify(await session.client.callTool({ name: 'show_status', arguments: {} }));
    const config = JSON.stringify(await session.client.readResource({ uri: 'ollm://config' }));
    // the other side: an "@" in a query is no user name, and stays as written
    expect(config).toContain(`http://[redacted]@${closed}/v1?tier=a@b`);
    expect(leaks(text + status + config + session.stderr())).toEqual([]);
  });
});
