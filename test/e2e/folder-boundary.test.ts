/**
 * The folder boundary from any launch (issue 54, finding 1): clients start local servers wherever
 * suits them — Claude Desktop in `/`, others in the home folder — and the project folder used to
 * default to that working folder, so `files: ["/etc/shadow"]` or the shell history were read and
 * sent. The built server, spawned from the filesystem root and from the home folder, alone and
 * through the shared server: nothing is readable but the client's MCP roots, `inputs.roots` and a
 * folder the user named, every refusal says how to allow a folder, and no byte reaches the engine.
 * The other side: a named project, `inputs.roots` and an ordinary working folder are read.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { runtimeDir, sharedLaunch, stopShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';

let fake: FakeOllama;
let home: string;
let app: string;
const YAML = 'ram:\n  budget: 20GB\n  bufferBytes: 0\n';
const sent = () => JSON.stringify(fake.requests.map((r) => r.body));

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
  fake.reply('A summary.');
  home = realpathSync(tempDir('ollm-boundary-home-'));
  app = join(home, 'work', 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(home, '.bash_history'), 'HISTORY-MARK curl -H "x: y"\n');
  writeFileSync(join(app, 'app.log'), 'APP-LOG-MARK started\n');
});
afterAll(async () => {
  await fake?.stop();
});

type Session = {
  client: { callTool: (p: { name: string; arguments: Record<string, unknown> }) => Promise<unknown> };
  close(): Promise<void>;
};
async function read(session: Session, files: string[]) {
  const res = (await session.client.callTool({
    name: 'route_and_generate',
    arguments: { prompt: 'Summarise this.', model: 'llama3.2', useMemory: false, files },
  })) as { isError?: boolean; content: Array<{ text: string }> };
  return { isError: res.isError === true, text: res.content[0]!.text };
}

const HOW =
  /open the client in your project folder \(or give it as an MCP root\), name it with --project DIR or OLLM_PROJECT, or add it to inputs\.roots in settings/;

describe.each([
  ['the filesystem root', (): string => '/', {}],
  ["the filesystem root, with the bundle's empty project folder", (): string => '/', { OLLM_PROJECT: '' }],
  ['the home folder', (): string => home, {}],
] as const)('a server started from %s', (_what, cwd, extra) => {
  let session: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    session = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host, HOME: home, ...extra }, [], cwd());
  });
  afterAll(async () => session?.close().catch(() => undefined));

  it('reads no file there — system files, the shell history, relative paths — and says how to allow a folder', async () => {
    const before = fake.generations().length;
    for (const files of [
      ['/etc/hostname'],
      [join(home, '.bash_history')],
      ['~/.bash_history'],
      ['.bash_history'],
      ['work/app/app.log'],
    ]) {
      const r = await read(session, files);
      expect(r.isError, r.text).toBe(true);
      expect(r.text).toMatch(/no folder is open to ollm-mcp/);
      expect(r.text).toMatch(HOW);
    }
    expect(fake.generations().length).toBe(before);
    expect(sent()).not.toMatch(/HISTORY-MARK|APP-LOG-MARK/);
  });
});

describe('the folders the user opened are read from any launch', () => {
  it('inputs.roots, from the filesystem root', async () => {
    const session = await connect(
      {
        OLLM_HOME: tempHome(`${YAML}inputs:\n  roots: [${JSON.stringify(app)}]\n`),
        OLLAMA_HOST: fake.host,
        HOME: home,
      },
      [],
      '/',
    );
    try {
      const r = await read(session, ['app.log']); // relative paths resolve in the first allowed folder
      expect(r.isError, r.text).toBe(false);
      expect(fake.generations().at(-1)!.prompt).toMatch(/APP-LOG-MARK/);
      const out = await read(session, [join(home, '.bash_history')]);
      expect(out.text).toMatch(
        /outside the folders ollm-mcp may read — allowed: .*app \(ollm-mcp runs in \/, the filesystem root, which is not opened as a project\)/,
      );
    } finally {
      await session.close().catch(() => undefined);
    }
  });

  it('a project named by OLLM_PROJECT — even the home folder — and an ordinary working folder', async () => {
    for (const [env, cwd, file] of [
      [{ OLLM_PROJECT: home }, '/', '.bash_history'],
      [{}, app, 'app.log'],
    ] as const) {
      const session = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host, HOME: home, ...env }, [], cwd);
      try {
        const r = await read(session, [file]);
        expect(r.isError, r.text).toBe(false);
        expect(fake.generations().at(-1)!.prompt).toMatch(file === 'app.log' ? /APP-LOG-MARK/ : /HISTORY-MARK/);
      } finally {
        await session.close().catch(() => undefined);
      }
    }
  });
});

describe('through the shared server, each launch by its own working folder', () => {
  const runtime = runtimeDir();
  afterAll(() => stopShared(runtime));

  it('a launch from / reads nothing while a launch from a project folder reads its files', async () => {
    const ollmHome = tempHome(YAML);
    const fromProject = await sharedLaunch({
      home: ollmHome,
      ollamaHost: fake.host,
      runtime,
      cwd: app,
      name: 'ide',
      env: { HOME: home },
    });
    const fromRoot = await sharedLaunch({
      home: ollmHome,
      ollamaHost: fake.host,
      runtime,
      cwd: '/',
      name: 'claude-ai',
      env: { HOME: home },
    });
    try {
      expect(fromRoot.stderr()).toMatch(/forwarding stdio to the shared server/);
      const refused = await read(fromRoot, ['/etc/hostname']);
      expect(refused.isError, refused.text).toBe(true);
      expect(refused.text).toMatch(/no folder is open to ollm-mcp — ollm-mcp runs in \/, the filesystem root/);
      const ok = await read(fromProject, ['app.log']);
      expect(ok.isError, ok.text).toBe(false);
      expect(fake.generations().at(-1)!.prompt).toMatch(/APP-LOG-MARK/);
    } finally {
      await fromRoot.close();
      await fromProject.close();
    }
  });
});
