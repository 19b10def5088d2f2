/**
 * Toolsets: named groups of tools a client chooses with the `toolsets` setting (`--toolsets
 * offload,memory`), so the tool list the calling model reads every turn holds only what it uses.
 * `all` (the default) is every tool. The names are the settings schema's (which refuses any
 * other); create-server.ts registers only the tools of the chosen sets.
 */
import type { ToolsetName } from '../orchestrator/config/schema.js';

/** Each set's tools, by tool name. Every tool is in exactly one set (test/unit/toolsets.test.ts checks). */
export const TOOLSETS: { readonly [K in Exclude<ToolsetName, 'all'>]: readonly string[] } = {
  offload: ['route_and_generate', 'compare', 'rate_answer', 'prefer_model'],
  models: ['list_models', 'show_model', 'smart_load', 'unload_model', 'pull_model', 'delete_model', 'create_model'],
  memory: ['remember', 'recall', 'forget'],
  templates: ['render_template', 'save_template'],
  status: ['show_status'],
};

/** Every tool's name. */
export const ALL_TOOL_NAMES: readonly string[] = Object.values(TOOLSETS).flat();

const isSet = (name: string): name is keyof typeof TOOLSETS => Object.hasOwn(TOOLSETS, name);

/**
 * The tool names of the given sets together; `all` is every set's tools. Unknown names add nothing (the
 * settings schema refuses them at load).
 */
export function toolsInSets(sets: readonly string[]): Set<string> {
  const chosen = sets.includes('all') ? Object.keys(TOOLSETS) : sets;
  const tools = new Set<string>();
  for (const name of chosen) if (isSet(name)) for (const tool of TOOLSETS[name]) tools.add(tool);
  return tools;
}
