/**
 * The git diff end to end, from outside: the built server, started in a project folder that is a
 * subfolder of a larger repository (a dotfiles home, a monorepo's package), sends the model only
 * the project folder's changes that `files` would send, refuses blob ranges, and runs no command
 * of the repository's config or of its own environment. Every secret text is looked for in
 * everything the fake Ollama was sent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { commandsRunUnguarded, makeDiffRepo, makeOtherRepo, type DiffRepo } from '../helpers/diff-repos.js';
import { tempDir } from '../helpers/temp.js';

const YAML = 'ram:\n  budget: 20GB\n  bufferBytes: 0\n';
type Session = Awaited<ReturnType<typeof connect>>;
type Out = {
  inputs?: { read: Array<{ path: string; kind: string }>; skipped: Array<{ path: string; reason: string }> };
};

let fake: FakeOllama;
let home: DiffRepo;
let mono: DiffRepo;
let homeSession: Session;
let monoSession: Session;
/** Started in the monorepo's package too, with GIT_* variables in its environment. */
let envSession: Session;
/** Markers of commands handed to the mono server through its environment. */
const envMarkers = { config: '', external: '' };

async function diffCall(session: Session, diff: Record<string, unknown>) {
  const res = await session.client.callTool({
    name: 'route_and_generate',
    arguments: { prompt: 'Review this change.', task: 'code', diff },
  });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as Out,
  };
}
/** Everything the fake Ollama was sent, as one string: what reached a model. */
const sentToOllama = () => JSON.stringify(fake.requests.map((r) => r.body));
const lastPrompt = () => fake.generations().at(-1)!.prompt!;

beforeAll(async () => {
  home = makeDiffRepo('proj', { noPrefix: true });
  mono = makeDiffRepo('pkg');
  const markers = tempDir('diff-env-');
  envMarkers.config = join(markers, 'ENV-CONFIG-RAN');
  envMarkers.external = join(markers, 'EXTERNAL-DIFF-RAN');
  fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 1 });
  homeSession = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host }, [], home.project);
  monoSession = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host }, [], mono.project);
  envSession = await connect(
    {
      OLLM_HOME: tempHome(YAML),
      OLLAMA_HOST: fake.host,
      GIT_DIR: makeOtherRepo(),
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.fsmonitor',
      GIT_CONFIG_VALUE_0: `touch '${envMarkers.config}'; false`,
      GIT_EXTERNAL_DIFF: `touch '${envMarkers.external}'; true`,
    },
    [],
    mono.project,
  );
}, 120_000);
afterAll(async () => {
  await homeSession?.close().catch(() => undefined);
  await monoSession?.close().catch(() => undefined);
  await envSession?.close().catch(() => undefined);
  await fake?.stop();
});

describe('a project folder inside a larger repository', () => {
  it("sends a dotfiles home's project changes, never the home's own (.bashrc, other/)", async () => {
    const r = await diffCall(homeSession, {});
    expect(r.isError, r.text).toBe(false);
    expect(lastPrompt()).toContain('+export const v = 2; // PROJECT-MARK');
    expect(lastPrompt()).not.toMatch(/bashrc|DOTFILE-SECRET|secret-other|OTHER-SECRET/);
    expect(sentToOllama()).not.toMatch(home.secrets);
  });

  it("sends a monorepo package's changes only, never another package's", async () => {
    const r = await diffCall(monoSession, {});
    expect(r.isError, r.text).toBe(false);
    expect(lastPrompt()).toContain('diff --git a/app.ts b/app.ts');
    expect(lastPrompt()).not.toMatch(/bashrc|DOTFILE-SECRET|secret-other|OTHER-SECRET/);
    expect(sentToOllama()).not.toMatch(mono.secrets);
  });
});

describe('secrets by name, by rename and by content', () => {
  it('leaves out quoted and non-ASCII secret names, and lists them', async () => {
    const r = await diffCall(monoSession, {});
    expect(r.out.inputs!.skipped).toEqual(
      expect.arrayContaining([
        {
          path: 'données/.env',
          reason: expect.stringMatching(/left out of the diff: it looks like an environment file/),
        },
        { path: 'clé.pem', reason: expect.stringMatching(/it looks like a private key/) },
        { path: 'tab\tdir/.env', reason: expect.stringMatching(/an environment file/) },
      ]),
    );
    expect(lastPrompt()).toContain('PROJECT-MARK');
    expect(lastPrompt()).not.toMatch(/QUOTED-ENV-SECRET|PEM-NAME-SECRET|TAB-ENV-SECRET/);
  });

  it('leaves out a secret file with diff.noprefix and diff.mnemonicPrefix set in the repository, keeping a/ b/', async () => {
    const r = await diffCall(homeSession, { paths: ['api', 'app.ts'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.inputs!.skipped).toEqual([{ path: 'api/.env', reason: expect.stringMatching(/an environment file/) }]);
    expect(lastPrompt()).toMatch(/^diff --git a\/app\.ts b\/app\.ts$/m);
    expect(sentToOllama()).not.toMatch(/PLAIN-ENV-SECRET/);
  });

  it('leaves out a private key added to an ordinary file, and says so', async () => {
    const r = await diffCall(monoSession, { paths: ['docs', 'app.ts'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.inputs!.skipped).toEqual([
      { path: 'docs/notes.txt', reason: expect.stringMatching(/hold a private key/) },
    ]);
    expect(sentToOllama()).not.toMatch(/KEY-IN-NOTES|BEGIN OPENSSH PRIVATE KEY/);
  });

  it('leaves out both sides of a staged rename of .env', async () => {
    const r = await diffCall(monoSession, { staged: true });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/is empty once secrets are left out/);
    expect(sentToOllama()).not.toMatch(/RENAMED-ENV-SECRET/);
  });
});

describe('ranges', () => {
  it('refuses blob expressions, naming what is accepted, and sends nothing', async () => {
    const before = fake.requests.length;
    for (const range of ['HEAD:proj/config/.env..HEAD:proj/README.md', 'HEAD:proj/config/id_rsa']) {
      const r = await diffCall(homeSession, { range });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/not a revision or range — give one commit/);
    }
    expect(fake.requests.length).toBe(before);
    expect(sentToOllama()).not.toMatch(/BLOB-ENV-SECRET|old key/);
  });
});

describe('commands of the repository or the environment', () => {
  it('runs neither core.fsmonitor nor a clean filter from the repository config', async () => {
    expect(commandsRunUnguarded(mono)).toEqual({ fsmonitor: true, filter: true });
    expect((await diffCall(homeSession, {})).isError).toBe(false);
    expect((await diffCall(homeSession, { range: 'HEAD' })).isError).toBe(false);
    expect(existsSync(home.markers.fsmonitor)).toBe(false);
    expect(existsSync(home.markers.filter)).toBe(false);
  });

  it("obeys no GIT_DIR, GIT_CONFIG_* or GIT_EXTERNAL_DIFF from the server's environment", async () => {
    const r = await diffCall(envSession, {});
    expect(r.isError, r.text).toBe(false);
    expect(lastPrompt()).toContain('PROJECT-MARK');
    expect(lastPrompt()).not.toMatch(/GIT-DIR-LEAK|leak\.txt/);
    expect((await diffCall(envSession, { range: 'HEAD' })).isError).toBe(false);
    expect(existsSync(envMarkers.config)).toBe(false);
    expect(existsSync(envMarkers.external)).toBe(false);
  });
});
