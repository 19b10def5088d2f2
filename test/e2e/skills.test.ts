/**
 * The know-how as a skill, served over MCP (issue 46): the built server lists
 * `skill://offloading/SKILL.md` among its resources, which any client reads with resources/read,
 * and a client that negotiates the Skills extension gets it from skills/list too — the same
 * file the repository (and the Claude Code plugin) carries. Also the protocol manners: the
 * server's icon, and the instructions pointing at the skill. Over stdio, alone and through the
 * shared server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { SkillsClient } from '@modelcontextprotocol/client/ext/skills';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { stopShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';

const SKILL_URI = 'skill://offloading/SKILL.md';
const ON_DISK = readFileSync(join(import.meta.dirname, '../../skills/offloading/SKILL.md'), 'utf8');

let fake: FakeOllama;
/**
 * The shared server's socket folder, the test's own: its server is stopped after (it outlives its clients by
 * shared.idleSeconds).
 */
const RUNTIME = tempDir('ollm-run-');
beforeAll(async () => {
  fake = await FakeOllama.start();
});
afterAll(async () => {
  stopShared(RUNTIME);
  await fake?.stop();
});

describe.each([
  ['on its own', {}],
  // the shared server's socket in a runtime folder of the test's own, never the machine's (removed after)
  ['through the shared server', { OLLM_SHARED: '1', OLLM_TEST_RUNTIME_DIR: RUNTIME }],
])('the offloading skill, %s', (_, extra) => {
  it('is listed as skill://offloading/SKILL.md and read, front matter and all, with resources/read', async () => {
    const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host, ...extra });
    try {
      const { resources } = await s.client.listResources();
      expect(resources.map((r) => r.uri)).toContain(SKILL_URI);
      const read = await s.client.readResource({ uri: SKILL_URI });
      const text = (read.contents[0] as { text?: string }).text ?? '';
      expect(text).toBe(ON_DISK);
      expect(text).toMatch(/^---\nname: offloading\ndescription: .+\n---\n/);
    } finally {
      await s.close();
    }
  });

  it('is served by the Skills extension to a client that negotiates it, and the file checks out against its entry', async () => {
    const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host, ...extra });
    try {
      const skills = new SkillsClient(s.client);
      expect(skills.supported).toBe(true);
      const { skills: entries } = await skills.list();
      const entry = entries.find((e) => e.uri === SKILL_URI);
      expect(entry).toMatchObject({ frontmatter: { name: 'offloading' } });
      const file = await skills.read(entry!); // size and digest verified against the entry
      expect(file.frontmatter).toMatchObject({ name: 'offloading' });
      expect(file.body).toContain('## When it pays');
    } finally {
      await s.close();
    }
  });
});

describe('protocol manners', () => {
  it("the server's info carries its icon, and the instructions name the skill", async () => {
    const s = await connect(
      { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host },
      [],
      undefined,
      new Client({ name: 'manners', version: '1' }),
    );
    try {
      const info = s.client.getServerVersion();
      expect(info?.icons?.[0]).toMatchObject({ mimeType: 'image/svg+xml' });
      const src = info?.icons?.[0]?.src ?? '';
      expect(src.startsWith('data:image/svg+xml;base64,')).toBe(true);
      expect(Buffer.from(src.split(',')[1]!, 'base64').toString('utf8')).toMatch(
        /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
      );
      expect(s.client.getInstructions()).toContain(SKILL_URI);
      // no icon on a tool: it would be repeated in every tools/list entry
      const { tools } = await s.client.listTools();
      expect(tools.filter((t) => t.icons !== undefined).map((t) => t.name)).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it(
    'a 2026-07-28 client may keep the tool list and the resource templates an hour, for itself; ' +
      'the prompts and resources not at all',
    async () => {
      const modern = new Client(
        { name: 'modern', version: '1' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host }, [], undefined, modern);
      try {
        expect(await s.client.listTools()).toMatchObject({ ttlMs: 3_600_000, cacheScope: 'private' });
        expect(await s.client.listResourceTemplates()).toMatchObject({ ttlMs: 3_600_000, cacheScope: 'private' });
        expect(await s.client.listPrompts()).toMatchObject({ ttlMs: 0 });
        expect(await s.client.listResources()).toMatchObject({ ttlMs: 0 });
        // the skill's files may be kept by shared caches too: they change only with the version
        expect(await s.client.readResource({ uri: SKILL_URI })).toMatchObject({
          ttlMs: 3_600_000,
          cacheScope: 'public',
        });
      } finally {
        await s.close();
      }
    },
  );
});
