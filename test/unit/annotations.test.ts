// Every tool's annotations, as the MCP spec defines them (issue 21, point 4): clients may approve
// a read-only tool without asking, so a tool that loads, unloads, pulls or writes must not claim
// to be read-only; destructive means it may delete or overwrite data; open world means it may
// reach beyond this machine and its Ollama (a registry, ollama.com, an OpenAI-compatible host).
import type { McpServer, ToolAnnotations } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { TOOLS } from '../../src/tools/index.js';

/** What each tool registers, captured without a server or an orchestrator (registration touches neither). */
function registered(): Map<string, ToolAnnotations> {
  const seen = new Map<string, ToolAnnotations>();
  const server = {
    registerTool: (name: string, config: { annotations?: ToolAnnotations }) => seen.set(name, config.annotations ?? {}),
  };
  for (const tool of TOOLS) tool(server as unknown as McpServer, {} as Orchestrator);
  return seen;
}

type Hints = Required<Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>>;
const hints = (
  readOnlyHint: boolean,
  destructiveHint: boolean,
  idempotentHint: boolean,
  openWorldHint: boolean,
): Hints => ({ readOnlyHint, destructiveHint, idempotentHint, openWorldHint });

const EXPECTED: Record<string, Hints> = {
  // load a model (evicting idle ones), may answer from an OpenAI-compatible host or ollama.com
  route_and_generate: hints(false, false, false, true),
  compare: hints(false, false, false, true),
  render_template: hints(false, false, false, true),
  // read what is installed and loaded
  list_models: hints(true, false, true, false),
  show_model: hints(true, false, true, false),
  recall: hints(true, false, true, false),
  // change what is loaded or stored
  smart_load: hints(false, false, true, false),
  unload_model: hints(false, false, true, false),
  show_status: hints(false, false, true, false), // cancelJob stops one of the agent's own jobs
  pull_model: hints(false, false, true, true),
  delete_model: hints(false, true, true, false),
  // replace overwrites a model of that name; the same call twice is refused the second time
  create_model: hints(false, true, false, false),
  forget: hints(false, true, true, false),
  remember: hints(false, false, true, false),
  prefer_model: hints(false, false, true, false),
  rate_answer: hints(false, false, true, false),
  save_template: hints(false, true, true, false),
};

/** Tools that load, unload, pull, delete or write files: never read-only. */
const CHANGES_THINGS = [
  'route_and_generate',
  'compare',
  'render_template',
  'smart_load',
  'unload_model',
  'pull_model',
  'delete_model',
  'create_model',
  'forget',
  'remember',
  'prefer_model',
  'rate_answer',
  'save_template',
];

describe('tool annotations', () => {
  const seen = registered();

  it('cover every tool, each with all four hints', () => {
    expect([...seen.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, a] of seen)
      expect(
        Object.keys(a)
          .filter((k) => k.endsWith('Hint'))
          .sort(),
        name,
      ).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
  });

  it.each(Object.entries(EXPECTED))('%s says what it does', (name, expected) => {
    expect(seen.get(name)).toMatchObject(expected);
  });

  it('no tool that loads, unloads, pulls or writes calls itself read-only', () => {
    for (const name of CHANGES_THINGS) expect(seen.get(name)?.readOnlyHint, name).toBe(false);
  });

  it('the generating tools delete nothing and are not idempotent', () => {
    for (const name of ['route_and_generate', 'compare', 'render_template'])
      expect(seen.get(name), name).toMatchObject({ destructiveHint: false, idempotentHint: false });
  });
});
