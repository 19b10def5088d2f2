/**
 * The skills this server serves over MCP (the Skills extension, io.modelcontextprotocol/skills):
 * the folders under `skills/` of the package (`skills/offloading/SKILL.md`), shipped beside
 * `dist/` (package.json "files", the bundle) and read from there at start. Each file is a
 * `skill://NAME/…` resource any client can list and read (resources/list, resources/read); a
 * client that negotiates the extension also gets skills/list and skills/get.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkillCatalog } from '@modelcontextprotocol/server/ext/skills';
import { nodeSkillFiles } from '@modelcontextprotocol/server/ext/skills/node';
import { log } from '../orchestrator/util/log.js';

/** The skill every package ships: the folder looked for. */
export const SHIPPED_SKILL = 'offloading';

/** Skill files change only with a new version: a client may keep them an hour, shared caches too. */
const SKILL_CACHE = { ttlMs: 3_600_000, cacheScope: 'public' } as const;

/**
 * The package's `skills/` folder: beside `dist/` when built (this code is in dist/ or
 * dist/chunks/), or at the checkout's root run from source (src/server/). Undefined when none
 * holds the shipped skill.
 */
function skillsFolder(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (const up of ['..', join('..', '..')]) {
    const folder = join(from, up, 'skills');
    if (existsSync(join(folder, SHIPPED_SKILL, 'SKILL.md'))) return folder;
  }
  return undefined;
}

/**
 * The catalog of the package's skills, or undefined (and a warning) when they cannot be read: the server
 * serves without them.
 */
export async function loadSkills(folder: string | undefined = skillsFolder()): Promise<SkillCatalog | undefined> {
  if (folder === undefined) {
    log.warn(
      `skills: no skills/${SHIPPED_SKILL}/SKILL.md beside the server; serving without skills ` +
        `(reinstall ollm-mcp to get them back)`,
    );
    return undefined;
  }
  try {
    return await SkillCatalog.load(nodeSkillFiles(folder), {
      cacheHint: SKILL_CACHE,
      onWarning: (w) => log.warn(`skills: ${w.path}: ${w.message}`),
    });
  } catch (err) {
    log.warn(`skills: could not read ${folder}: ${(err as Error).message}; serving without skills`);
    return undefined;
  }
}
