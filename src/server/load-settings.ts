/**
 * What a command starts from: the project (detected from the working folder, or --project /
 * OLLM_PROJECT), which may set settings and the tools offered, and the settings from the command
 * line, env vars and files. A problem in either is a ConfigError or ProjectError, said in one line.
 */
import { ConfigError, loadConfig, type LoadedConfig } from '../orchestrator/config/load.js';
import { noteText } from '../orchestrator/config/address-notes.js';
import { configuredSecrets } from '../orchestrator/config/secrets.js';
import { log } from '../orchestrator/util/log.js';
import { ProjectError, projectSettings, resolveProject, type ProjectProfile } from '../orchestrator/project/project.js';
import { ALL_TOOL_NAMES } from '../tools/toolsets.js';
import type { CliArgs } from './args.js';

export interface Loaded {
  config: LoadedConfig;
  project?: ProjectProfile;
}

/**
 * The settings, with the project's when `withProject` (a broken project file should not stop `memory` or
 * `template`); undefined after saying what is wrong on stderr.
 */
export async function loadSettings(args: CliArgs, withProject: boolean): Promise<Loaded | undefined> {
  try {
    const named = args.project ?? process.env.OLLM_PROJECT?.trim();
    const project = withProject
      ? await resolveProject({ dir: named || process.cwd(), explicit: Boolean(named), toolNames: ALL_TOOL_NAMES })
      : undefined;
    const config = await loadConfig({
      flags: args.flags,
      ...(args.configFile !== undefined && { configFile: args.configFile }),
      ...(project && { project: projectSettings(project) }),
    });
    // no log line shows a key or the HTTP token
    log.hide(configuredSecrets(config.settings, process.env, [args.token]));
    // an Ollama address ending in /v1 or /api: used without it, and said (issue 83, finding 1)
    for (const note of config.addressNotes ?? []) {
      const { detail, fix } = noteText(note);
      log.warn(`${detail} — ${fix}.`);
    }
    return { config, ...(project && { project }) };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ProjectError) {
      process.stderr.write(`ollm-mcp: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}
