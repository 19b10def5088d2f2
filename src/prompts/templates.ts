/**
 * Every template is also an MCP prompt: its variables are the prompt's arguments (with
 * completion), and prompts/get renders the template as it is on disk now. A long-lived server
 * (stdio) follows the templates folder and tells the client when the list changed.
 */
import { completable, McpServer, ProtocolError, ProtocolErrorCode, type RegisteredPrompt } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { Orchestrator } from '../orchestrator/index.js';
import { renderTemplate, variablesOf, type StoredTemplate } from '../orchestrator/templates/index.js';

const PROGRAMMING = ['TypeScript', 'JavaScript', 'Python', 'Go', 'Rust', 'Java', 'C#', 'C++', 'C', 'Kotlin', 'Swift', 'Ruby', 'PHP', 'SQL', 'Bash'];
const HUMAN = ['English', 'French', 'German', 'Spanish', 'Italian', 'Portuguese', 'Dutch', 'Polish', 'Japanese', 'Chinese', 'Korean', 'Arabic', 'Hindi', 'Russian'];
const FRAMEWORKS = ['vitest', 'jest', 'pytest', 'unittest', 'go test', 'cargo test', 'JUnit', 'xUnit', 'RSpec'];

/** Suggestions for a variable: its default, and common values for the names templates use. */
export function suggestionsFor(variable: string, fallback?: string): string[] {
  const known: Record<string, string[]> = { language: PROGRAMMING, to: HUMAN, from: HUMAN, framework: FRAMEWORKS };
  return [...new Set([...(fallback ? [fallback] : []), ...(known[variable] ?? [])])];
}

function argsSchema(t: StoredTemplate) {
  const shape: Record<string, z.ZodType> = {};
  for (const v of variablesOf(t)) {
    const described = z.string().describe(v.description ?? (v.default !== undefined ? `default: ${v.default}` : v.name));
    const options = suggestionsFor(v.name, v.default);
    // completable() marks the string itself: the SDK looks for the mark inside .optional()
    const inner = options.length ? completable(described, (typed) => options.filter((o) => o.toLowerCase().startsWith(String(typed ?? '').toLowerCase()))) : described;
    shape[v.name] = v.required ? inner : inner.optional();
  }
  return z.object(shape);
}

function register(server: McpServer, orch: Orchestrator, t: StoredTemplate): RegisteredPrompt {
  return server.registerPrompt(t.name, { title: t.name, description: t.description, argsSchema: argsSchema(t) }, (async (args: Record<string, string | undefined>) => {
    const { template } = await orch.templates.lookup(t.name);
    if (!template) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `The template "${t.name}" no longer exists.`);
    const values = Object.fromEntries(Object.entries(args).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const r = renderTemplate(template, values);
    if (r.missing.length) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Missing required arguments: ${r.missing.map((m) => `${m.name}${m.description ? ` (${m.description})` : ''}`).join('; ')}.`);
    }
    return { description: template.description, messages: [{ role: 'user' as const, content: { type: 'text' as const, text: r.prompt } }] };
  }) as never);
}

/** Registers a prompt per template; with `live`, keeps them in step with the folder. */
export function registerTemplatePrompts(server: McpServer, orch: Orchestrator, live: boolean): void {
  const registered = new Map<string, { prompt: RegisteredPrompt; signature: string }>();
  const sync = (templates: readonly StoredTemplate[]) => {
    let changed = false; // for the caller's information; the SDK announces each change itself
    const names = new Set(templates.map((t) => t.name));
    for (const [name, r] of registered) {
      if (names.has(name)) continue;
      r.prompt.remove();
      registered.delete(name);
      changed = true;
    }
    for (const t of templates) {
      const signature = JSON.stringify([t.description, variablesOf(t)]);
      const had = registered.get(t.name);
      if (had?.signature === signature) continue;
      had?.prompt.remove();
      registered.set(t.name, { prompt: register(server, orch, t), signature });
      changed = true;
    }
    return changed;
  };
  sync(orch.templates.current().templates);
  if (!live) return;
  const stop = orch.templates.onChange((templates) => sync(templates)); // the SDK tells the client of each change
  const previous = server.server.onclose;
  server.server.onclose = () => {
    stop();
    previous?.();
  };
}
