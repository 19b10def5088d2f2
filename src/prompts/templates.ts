/**
 * Every template is also an MCP prompt: its variables are the prompt's arguments (with
 * completion), and prompts/get renders the template as it is on disk now. A long-lived server
 * (stdio) follows the templates folder and tells the client when the list changed. A template
 * that cannot become a prompt is a problem of that template (listed with the broken files),
 * never a failure of the server.
 */
import {
  completable,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type CompleteRequest,
  type CompleteResult,
  type PromptReference,
  type RegisteredPrompt,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { log } from '../orchestrator/util/log.js';
import {
  isPrototypeName,
  renderTemplate,
  variablesOf,
  type StoredTemplate,
  type TemplateDef,
  type TemplateLibrary,
} from '../orchestrator/templates/index.js';

const PROGRAMMING = [
  'TypeScript',
  'JavaScript',
  'Python',
  'Go',
  'Rust',
  'Java',
  'C#',
  'C++',
  'C',
  'Kotlin',
  'Swift',
  'Ruby',
  'PHP',
  'SQL',
  'Bash',
];
const HUMAN = [
  'English',
  'French',
  'German',
  'Spanish',
  'Italian',
  'Portuguese',
  'Dutch',
  'Polish',
  'Japanese',
  'Chinese',
  'Korean',
  'Arabic',
  'Hindi',
  'Russian',
];
const FRAMEWORKS = ['vitest', 'jest', 'pytest', 'unittest', 'go test', 'cargo test', 'JUnit', 'xUnit', 'RSpec'];
// A Map: variable names are the user's, and "constructor" must find nothing here.
const KNOWN_VALUES = new Map<string, readonly string[]>([
  ['language', PROGRAMMING],
  ['to', HUMAN],
  ['from', HUMAN],
  ['framework', FRAMEWORKS],
]);
const EMPTY_COMPLETION: CompleteResult = { completion: { values: [], hasMore: false } };

/** Suggestions for a variable: its default, and common values for the names templates use. */
function suggestionsFor(variable: string, fallback?: string): string[] {
  return [...new Set([...(fallback ? [fallback] : []), ...(KNOWN_VALUES.get(variable) ?? [])])];
}

function argsSchema(t: TemplateDef) {
  // A null-prototype shape takes any variable name ("constructor", "toString") as an ordinary key.
  const shape = Object.create(null) as Record<string, z.ZodType>;
  for (const v of variablesOf(t)) {
    const described = z
      .string()
      .describe(v.description ?? (v.default !== undefined ? `default: ${v.default}` : v.name));
    const options = suggestionsFor(v.name, v.default);
    // completable() marks the string itself: the SDK looks for the mark inside .optional()
    const inner = options.length
      ? completable(described, (typed) =>
          options.filter((o) => o.toLowerCase().startsWith(String(typed ?? '').toLowerCase())),
        )
      : described;
    shape[v.name] = v.required ? inner : inner.optional();
  }
  return z.object(shape);
}

type Lookup = TemplateLibrary['lookup'];

/** Registers `t` as a prompt of `server` (rendering what `lookup` finds then); throws when it cannot be one. */
function register(server: McpServer, lookup: Lookup, t: TemplateDef): RegisteredPrompt {
  // The SDK keeps prompts in a plain object, where these names are always taken.
  if (isPrototypeName(t.name)) throw new Error(`"${t.name}" is a name every JavaScript object already has`);
  return server.registerPrompt(
    t.name,
    { title: t.name, description: t.description, argsSchema: argsSchema(t) },
    (async (args: Record<string, string | undefined>) => {
      const { template } = await lookup(t.name);
      if (!template)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `The template "${t.name}" no longer exists.`);
      const values = Object.fromEntries(
        Object.entries(args).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      const r = renderTemplate(template, values);
      if (r.missing.length) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Missing required arguments: ` +
            `${r.missing.map((m) => `${m.name}${m.description ? ` (${m.description})` : ''}`).join('; ')}.`,
        );
      }
      return {
        description: template.description,
        messages: [{ role: 'user' as const, content: { type: 'text' as const, text: r.prompt } }],
      };
    }) as never,
  );
}

const unofferable = (err: unknown) =>
  `cannot be offered as an MCP prompt (${err instanceof Error ? err.message : String(err)}); ` +
  `rename the template or fix its file`;

const NOTHING: Lookup = async () => ({ problems: [] });

/** Why `def` could not become an MCP prompt (tried on a server of its own), or undefined when it can. */
export function promptProblem(def: TemplateDef): string | undefined {
  try {
    register(new McpServer({ name: 'ollm-mcp-check', version: '0' }), NOTHING, def);
    return undefined;
  } catch (err) {
    return unofferable(err);
  }
}

/** Reads the templates and tries each as a prompt, so `template list` and `doctor` report what a server would. */
export async function checkTemplatePrompts(library: TemplateLibrary): Promise<void> {
  for (const t of (await library.refresh()).templates) {
    const problem = promptProblem(t);
    if (problem) library.note(t, problem);
    else library.clearNote(t.name);
  }
}

/**
 * The SDK finds a completion's prompt in a plain object, so a prompt name such as "constructor"
 * reaches a member of Object.prototype and fails. Names and arguments that are not ours get an
 * empty completion; an unknown ordinary name still gets the SDK's "not found".
 */
function guardCompletion(server: McpServer, argumentsOf: (prompt: string) => ReadonlySet<string> | undefined): void {
  type Completing = {
    handlePromptCompletion?: (request: CompleteRequest, ref: PromptReference) => Promise<CompleteResult>;
  };
  const sdk = server as unknown as Completing;
  const complete = sdk.handlePromptCompletion?.bind(server);
  if (!complete) return;
  sdk.handlePromptCompletion = async (request, ref) => {
    const args = argumentsOf(ref.name);
    if (!args) return isPrototypeName(ref.name) ? EMPTY_COMPLETION : complete(request, ref);
    return args.has(request.params.argument.name) ? complete(request, ref) : EMPTY_COMPLETION;
  };
}

/** Registers a prompt per template; with `live`, keeps them in step with the folder. */
export function registerTemplatePrompts(server: McpServer, library: TemplateLibrary, live: boolean): void {
  const registered = new Map<string, { prompt?: RegisteredPrompt; signature: string; args: ReadonlySet<string> }>();
  /** One template: registered, or noted as a problem (logged once) — never thrown. */
  const offer = (t: StoredTemplate): void => {
    const had = registered.get(t.name);
    let signature = '';
    try {
      const variables = variablesOf(t);
      signature = JSON.stringify([t.description, variables]);
      if (had?.signature === signature) return;
      if (had) {
        had.prompt?.remove();
        registered.delete(t.name);
      }
      const prompt = register(server, (name) => library.lookup(name), t);
      registered.set(t.name, { prompt, signature, args: new Set(variables.map((v) => v.name)) });
      library.clearNote(t.name);
    } catch (err) {
      if (registered.get(t.name) === had) had?.prompt?.remove(); // failed before the old prompt went
      registered.set(t.name, { signature, args: new Set() });
      const problem = unofferable(err);
      if (library.note(t, problem)) log.warn(`template ${t.file ?? t.name} ${problem}`);
    }
  };
  const sync = (templates: readonly StoredTemplate[]) => {
    const names = new Set(templates.map((t) => t.name));
    for (const [name, r] of registered) {
      if (names.has(name)) continue;
      r.prompt?.remove(); // the SDK announces each change itself
      registered.delete(name);
    }
    for (const t of templates) offer(t);
  };
  sync(library.current().templates);
  guardCompletion(server, (name) => (registered.get(name)?.prompt ? registered.get(name)!.args : undefined));
  if (!live) return;
  const stop = library.onChange((templates) => sync(templates));
  const previous = server.server.onclose;
  server.server.onclose = () => {
    stop();
    previous?.();
  };
}
