/**
 * Project profiles (seed 003, S07-T09): the project a request comes from is recognised by its
 * marker files (Cargo.toml, package.json, ...) and may carry `.ollm/project.yaml`, which picks the
 * model, system prompt, routing profile and the ollm-mcp tools offered for that project.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { walk, type WalkOptions } from './project-walk.js';
import { PROFILE_NAMES, type ProfileName } from '../config/profiles.js';
import { BUILTIN_NAMES, BUILTIN_PROFILES, isBuiltinName, type BuiltinName } from './project-builtin.js';
import { ProjectError, readProjectFile } from './project-file.js';

export { ProjectError } from './project-file.js';
export { BUILTIN_NAMES, BUILTIN_PROFILES } from './project-builtin.js';

export { PROJECT_FILE, type WalkOptions } from './project-walk.js';

export interface Detection {
  root: string;
  profile: BuiltinName;
  /** The file that decided: "package.json", or "*.md" for a folder of prose. */
  marker: string;
}

export interface ProjectProfile {
  name: string;
  base?: BuiltinName;
  root: string;
  marker?: string;
  /** The `.ollm/project.yaml` that was read, when there is one. */
  file?: string;
  /** The user named the project folder (`--project DIR`) rather than it being found from the working folder. */
  explicit: boolean;
  model?: string;
  systemPrompt?: string;
  defaultProfile?: ProfileName;
  tools: { enabled?: string[]; disabled: string[] };
  description: string;
}

export async function detectProject(dir: string, options: WalkOptions = {}): Promise<Detection | undefined> {
  const found = await walk(dir, false, options);
  return found?.detection ? { root: found.root, ...found.detection } : undefined;
}

export interface ResolveOptions extends WalkOptions {
  dir: string;
  /** The user named the folder (`--project DIR`): it must exist. */
  explicit?: boolean;
  /** The server's tool names: `tools.enabled` / `tools.disabled` may name only these. */
  toolNames: readonly string[];
}

/**
 * The project `dir` belongs to, with its project file merged over the built-in it starts from; undefined when
 * none is recognised.
 */
export async function resolveProject(options: ResolveOptions): Promise<ProjectProfile | undefined> {
  const dir = resolve(options.dir);
  const explicit = options.explicit ?? false;
  if (explicit) {
    const s = await stat(dir).catch(() => undefined);
    if (!s) throw new ProjectError(`Project folder ${dir} does not exist (named by --project): check the path.`);
    if (!s.isDirectory())
      throw new ProjectError(`Project folder ${dir} is not a folder (named by --project): name the project's folder.`);
  }
  const found = await walk(dir, true, options);
  // a folder the user named is the project even with no marker: its files are the ones to read
  if (!found)
    return explicit
      ? {
          name: 'custom',
          root: dir,
          explicit,
          tools: { disabled: [] },
          description: 'custom (a folder named as the project, with no project markers)',
        }
      : undefined;
  const data = found.file ? await readProjectFile(found.file, found.root, options.toolNames) : {};
  const base = data.extends ?? (isBuiltinName(data.profile) ? data.profile : found.detection?.profile);
  const builtin = base ? BUILTIN_PROFILES[base] : undefined;
  const name = data.profile ?? base ?? 'custom';
  const description = builtin
    ? name === base
      ? builtin.description
      : `${name} (${builtin.description})`
    : `${name} (custom project profile)`;
  const profile: ProjectProfile = {
    name,
    root: found.root,
    explicit,
    tools: { disabled: [...new Set(data.tools?.disabled ?? [])] },
    description,
  };
  if (base) profile.base = base;
  if (found.detection) profile.marker = found.detection.marker;
  if (found.file) profile.file = found.file;
  if (data.model) profile.model = data.model;
  const systemPrompt = data.systemPrompt ?? builtin?.systemPrompt;
  if (systemPrompt) profile.systemPrompt = systemPrompt;
  const defaultProfile = data.routing?.defaultProfile ?? builtin?.routing.defaultProfile;
  if (defaultProfile) profile.defaultProfile = defaultProfile;
  if (data.tools?.enabled) profile.tools.enabled = [...new Set(data.tools.enabled)];
  return profile;
}

/** Whether the project lets the server offer `tool`: no project, or no tool lists, allows everything. */
export function toolAllowed(profile: ProjectProfile | undefined, tool: string): boolean {
  if (!profile) return true;
  if (profile.tools.enabled && !profile.tools.enabled.includes(tool)) return false;
  return !profile.tools.disabled.includes(tool);
}

/** A plain YAML scalar when it reads back as the same string, else a quoted one. */
const scalar = (s: string) =>
  /^[A-Za-z][\w.:/-]*$/.test(s) && !s.endsWith(':') && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(s)
    ? s
    : JSON.stringify(s);
const flow = (items: readonly string[]) => `[${items.map(scalar).join(', ')}]`;

/** The `.ollm/project.yaml` that `project init` writes: every value that matches the built-in stays a comment. */
export function projectFileText(profile: ProjectProfile): string {
  const builtin = profile.base ? BUILTIN_PROFILES[profile.base] : undefined;
  const opt = (live: boolean, line: string) => (live ? line : `# ${line}`);
  const lines = [
    `# ollm-mcp project profile: ` +
      `${profile.description.replace(/\s+/g, ' ')}${profile.marker ? `; detected from ${profile.marker}` : ''}.`,
    '# Every key is optional. Built-in profiles: ' + BUILTIN_NAMES.join(', ') + '.',
    `profile: ${scalar(profile.name)}`,
  ];
  if (profile.base && profile.base !== profile.name)
    lines.push(`extends: ${profile.base}   # the built-in this custom profile starts from`);
  else lines.push('# extends: typescript   # the built-in to start from, when `profile` is a custom name');
  lines.push(
    opt(
      profile.model !== undefined,
      `model: ${scalar(profile.model ?? 'qwen2.5-coder:7b')}   # the model for this project`,
    ),
  );
  const prompt = profile.systemPrompt ?? 'You are helping with ...';
  lines.push('# The system prompt given to the model (replaces the built-in one):');
  lines.push(
    opt(
      profile.systemPrompt !== undefined && profile.systemPrompt !== builtin?.systemPrompt,
      `systemPrompt: ${JSON.stringify(prompt)}`,
    ),
  );
  const routingLive =
    profile.defaultProfile !== undefined && profile.defaultProfile !== builtin?.routing.defaultProfile;
  lines.push(opt(routingLive, 'routing:'));
  lines.push(
    opt(routingLive, `  defaultProfile: ${profile.defaultProfile ?? 'general'}   # one of ${PROFILE_NAMES.join(', ')}`),
  );
  const { enabled, disabled } = profile.tools;
  const toolsLive = enabled !== undefined || disabled.length > 0;
  lines.push(opt(toolsLive, 'tools:'));
  lines.push(
    opt(
      enabled !== undefined,
      `  enabled: ${flow(enabled ?? ['route_and_generate', 'list_models'])}   # only these ollm-mcp tools are offered`,
    ),
  );
  lines.push(
    opt(
      disabled.length > 0,
      `  disabled: ${flow(disabled.length > 0 ? disabled : ['delete_model'])}   # these ollm-mcp tools are not offered`,
    ),
  );
  return lines.join('\n') + '\n';
}

/** The settings a project gives (its model and default routing profile), for the settings layer above the file. */
export function projectSettings(profile: ProjectProfile): { settings: Record<string, unknown>; source: string } {
  const model: Record<string, unknown> = {};
  if (profile.model) model.default = profile.model;
  if (profile.defaultProfile) model.routing = { defaultProfile: profile.defaultProfile };
  return {
    settings: Object.keys(model).length ? { model } : {},
    source: `project ${profile.file ?? `${profile.name} (built-in profile, ${profile.root})`}`,
  };
}
