/**
 * Every tool's result holds to the output schema the client was given (issue 54, finding 2:
 * show_status through the shared server carried `clients`, which its published schema —
 * `additionalProperties: false` — did not allow, and MCP Inspector and the SDK clients refused it).
 *
 * In each mode — stdio serving alone, stdio through the shared server, Streamable HTTP (with an
 * agent's token), and a fleet (a second Ollama host, one that is down, a cloud fallback) — the
 * built server's tools/list is read, each tool's `outputSchema` compiled as listed with a standard
 * JSON Schema validator (test/helpers/output-schema.ts: Ajv, by the schema's draft), and every tool
 * is called against the fake Ollama, with the set-up it needs and with the optional parts of its
 * result in use (a template to fill, a remembered key, a comparison to prefer from, a model made,
 * shown and deleted, answers with format, files, dry runs). Each call must succeed with
 * structuredContent holding the fields it is expected to, and that must hold to the listed schema.
 * The client's own check is turned off, so the one here decides and names what broke.
 *
 * It decides its transports itself (vitest.config.ts OWN_TRANSPORT).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, type jsonSchemaValidator } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOL_NAMES } from '../../src/tools/toolsets.js';
import { EXTRA_REGISTRY_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { closedAddress } from '../helpers/closed-address.js';
import { outputCheck, type OutputCheck } from '../helpers/output-schema.js';
import { runtimeDir, sharedLaunch, stopShared } from '../helpers/shared.js';
import { startHttp, tempHome } from '../helpers/spawn.js';

/** Room for the models a mode loads side by side (compare), and every tool offered. */
const YAML = 'ram:\n  budget: 20GB\n  bufferBytes: 0\ntoolsets: [all]\n';

/** A structured answer's schema (route_and_generate and compare with format). */
const FORMAT = {
  type: 'object',
  properties: { answer: { type: 'string' }, sure: { type: 'boolean' } },
  required: ['answer', 'sure'],
  additionalProperties: false,
};

/** The client's own output check, off: this test's check decides, and says what broke. */
const NO_CHECK: jsonSchemaValidator = {
  getValidator: () => (input: unknown) => ({ valid: true, data: input as never, errorMessage: undefined }),
};

const AGENT_TOKEN = 'schemas-agent-token-0123456789';

interface Session {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

let fake: FakeOllama;
let box: FakeOllama;
let cloud: FakeOpenAI;
/** The answer cites the file it was given, so its citations are checked (route_and_generate's `citations`). */
const reply = (ctx: { prompt?: string; messages?: unknown[] }) =>
  /notes\.txt/.test(ctx.prompt ?? JSON.stringify(ctx.messages ?? '')) ? 'It says alpha (notes.txt:1).' : 'Hello.';
beforeAll(async () => {
  [fake, box, cloud] = await Promise.all([
    FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, pullChunkDelayMs: 0 }),
    // models the first host does not have
    FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, pullChunkDelayMs: 0, models: EXTRA_REGISTRY_MODELS }),
    FakeOpenAI.start({ models: ['cloud-model'], reply: 'the cloud answers', tokenDelayMs: 0 }),
  ]);
  fake.reply(reply);
  box.reply(reply);
});
afterAll(async () => {
  await Promise.all([fake?.stop(), box?.stop(), cloud?.stop()]);
});

/** A home of its own for a mode, with a file to read by path. */
function homeFor(extra = ''): string {
  const home = tempHome(YAML + extra);
  writeFileSync(join(home, 'notes.txt'), 'alpha\nbeta\n');
  return home;
}

const client = (name: string) => new Client({ name, version: '1.0.0' }, { jsonSchemaValidator: NO_CHECK });

interface Call {
  tool: string;
  args: () => Record<string, unknown>;
  /** Fields the result must carry: the optional parts this call is there to put in use. */
  has?: string[];
}

const call = (tool: string, args: Record<string, unknown> | (() => Record<string, unknown>), has?: string[]): Call => ({
  tool,
  args: typeof args === 'function' ? args : () => args,
  ...(has && { has }),
});

interface Mode {
  name: string;
  open(): Promise<Session>;
  /** What show_status carries in this mode only. */
  statusHas: string[];
  /** Calls of this mode only (before show_status). */
  more?: Call[];
}

const MODES: Mode[] = [
  {
    name: 'stdio, serving alone',
    statusHas: [],
    async open() {
      const home = homeFor();
      const l = await sharedLaunch({
        home,
        ollamaHost: fake.host,
        runtime: runtimeDir(),
        cwd: home,
        name: 'schemas-alone',
        env: { OLLM_SHARED: '0' },
        client: client('schemas-alone'),
      });
      expect(l.stderr()).toMatch(/serving MCP on stdio/);
      expect(l.stderr()).not.toMatch(/as the shared server|forwarding stdio to the shared server/);
      return l;
    },
  },
  {
    name: 'stdio, through the shared server',
    statusHas: ['clients'],
    async open() {
      const home = homeFor();
      const runtime = runtimeDir();
      const l = await sharedLaunch({
        home,
        ollamaHost: fake.host,
        runtime,
        cwd: home,
        name: 'schemas-shared',
        env: { OLLM_SHARED: '1' },
        client: client('schemas-shared'),
      });
      expect(l.stderr()).toMatch(/forwarding stdio to the shared server/);
      return {
        ...l,
        close: async () => {
          await l.close();
          stopShared(runtime);
        },
      };
    },
  },
  {
    name: 'Streamable HTTP, an agent named by its token',
    statusHas: [],
    async open() {
      const home = homeFor('http:\n  tokens:\n    schemas-agent: { tokenEnv: OLLM_TOKEN_SCHEMAS }\n');
      const server = await startHttp(
        { OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_TOKEN_SCHEMAS: AGENT_TOKEN },
        [],
        home,
      );
      const c = client('schemas-http');
      await c.connect(
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: `Bearer ${AGENT_TOKEN}` } },
        }),
      );
      return {
        client: c,
        stderr: () => server.stderr(),
        close: async () => {
          await c.close().catch(() => undefined);
          await server.stop();
        },
      };
    },
  },
  {
    name: 'stdio, a fleet: a second Ollama host, one that is down, and a cloud fallback',
    statusHas: ['fallback', 'unreachable'],
    more: [
      call('list_models', {}, ['hosts', 'unreachable']),
      call('show_model', { model: 'qwen3:8b' }, ['host', 'unreachable']),
      call('smart_load', { model: 'qwen3:8b', host: 'box' }, ['host']),
      call('route_and_generate', { prompt: 'Say hi.', model: 'qwen3:8b' }),
      call('compare', { prompt: 'Say hi.', models: ['llama3.2', 'qwen3:8b'], maxTokens: 16 }),
      call('unload_model', { all: true, includePinned: true }),
    ],
    async open() {
      const hosts = [
        'hosts:',
        `  - {name: box, kind: ollama, url: "${box.url}"}`,
        `  - {name: gone, kind: ollama, url: "http://${await closedAddress()}"}`,
      ];
      const home = homeFor([...hosts, 'fallback:', `  baseURL: "${cloud.url}"`, '  model: cloud-model', ''].join('\n'));
      return sharedLaunch({
        home,
        ollamaHost: fake.host,
        runtime: runtimeDir(),
        cwd: home,
        name: 'schemas-fleet',
        env: { OLLM_SHARED: '0' },
        client: client('schemas-fleet'),
      });
    },
  },
];

/** The calls of one mode, in order: each tool with the set-up it needs, and the optional parts of its result in use. */
function scenario(
  mode: number,
  { statusHas, more = [] }: Pick<Mode, 'statusHas' | 'more'>,
  got: { answerId?: string; comparisonId?: string },
): Call[] {
  const made = `made-for-schemas-${mode}`;
  return [
    call('remember', { key: 'editor', value: 'helix', category: 'preference' }),
    call('remember', { key: 'editor', value: 'vim' }),
    call('recall', { key: 'editor' }),
    call('recall', { query: 'vim' }),
    call('recall', {}),
    call('forget', { key: 'editor' }),
    call('remember', { key: 'shell', value: 'zsh' }),
    call('forget', { all: true }, ['backup']),
    call('save_template', {
      name: 'greet',
      description: 'Greets someone.',
      template: 'Say hello to {who} in {lang:English}.',
      variables: [{ name: 'who', required: true, description: 'whom to greet' }],
    }),
    call('render_template', { name: 'greet', variables: { who: 'Ada', unused: 'x' } }),
    call('render_template', { name: 'greet', variables: { who: 'Ada' }, generate: true, model: 'llama3.2' }, [
      'generated',
    ]),
    call('list_models', {}),
    call('list_models', { refresh: true }),
    call('show_model', { model: 'llama3.2' }),
    call('smart_load', { model: 'llama3.2', keepAlive: '10m' }),
    call('smart_load', { model: 'llama3.2', pin: true }),
    call('smart_load', { task: 'code', dryRun: true }),
    call('route_and_generate', { prompt: 'Say hi.', model: 'llama3.2' }, ['answerId', 'ledger']),
    call(
      'route_and_generate',
      { prompt: 'Answer in the given shape: is the sky blue?', model: 'llama3.2', format: FORMAT },
      ['json'],
    ),
    call(
      'route_and_generate',
      { prompt: 'Answer as JSON: is the sky blue?', format: 'json', temperature: 0.1, maxTokens: 64 },
      ['json'],
    ),
    call(
      'route_and_generate',
      { prompt: 'Write a TypeScript function that sums a list.', task: 'code', dryRun: true },
      ['advice'],
    ),
    call(
      'route_and_generate',
      {
        prompt: 'What does notes.txt say on its first line?',
        files: ['notes.txt'],
        model: 'llama3.2',
        system: 'Be brief.',
      },
      ['inputs', 'citations'],
    ),
    call('rate_answer', () => ({ answerId: got.answerId, verdict: 'good', why: 'right' })),
    call('rate_answer', () => ({ answerId: got.answerId, verdict: 'good' })),
    call('compare', { prompt: 'Say hi.', models: ['llama3.2', 'phi3:mini'], maxTokens: 16 }, ['fastest']),
    call(
      'compare',
      {
        prompt: 'Answer in the given shape: is the sky blue?',
        models: ['llama3.2', 'phi3:mini'],
        format: FORMAT,
        files: ['notes.txt'],
      },
      ['inputs', 'ledger'],
    ),
    call('prefer_model', () => ({ comparisonId: got.comparisonId, model: 'llama3.2' })),
    call('prefer_model', { model: 'qwen2.5-coder:7b', task: 'code' }),
    call('pull_model', { model: 'gemma3:4b' }),
    call(
      'create_model',
      { name: made, from: 'llama3.2', system: 'Be terse.', parameters: { temperature: 0.2 }, task: 'summarize' },
      ['task'],
    ),
    call('show_model', { model: made }, ['own']),
    call('delete_model', { model: made }),
    call('unload_model', { model: 'llama3.2' }),
    call('unload_model', { all: true, includePinned: true }),
    ...more,
    call('show_status', {}, statusHas),
  ];
}

describe.each(MODES.map((m, i) => ({ ...m, i })))(
  'every tool’s result holds to its listed output schema: $name',
  ({ open, i, ...mode }) => {
    let session: Session;
    const checks = new Map<string, OutputCheck>();
    let listed: string[] = [];

    beforeAll(async () => {
      session = await open();
      const { tools } = await session.client.listTools();
      listed = tools.map((t) => t.name);
      for (const t of tools)
        if (t.outputSchema) checks.set(t.name, outputCheck(t.outputSchema as Record<string, unknown>));
    }, 30_000);
    afterAll(async () => {
      await session?.close();
    });

    it('lists every tool, each with an output schema', () => {
      expect([...listed].sort()).toEqual([...ALL_TOOL_NAMES].sort());
      expect([...checks.keys()].sort()).toEqual([...ALL_TOOL_NAMES].sort());
    });

    it(
      'calls every tool; each answers with structuredContent that holds to the schema it was listed with',
      { timeout: 60_000 },
      async () => {
        const got: { answerId?: string; comparisonId?: string } = {};
        const called = new Set<string>();
        const broken: string[] = [];
        for (const { tool, args, has = [] } of scenario(i, mode, got)) {
          const a = args();
          const res = await session.client.callTool({ name: tool, arguments: a });
          const text =
            (res.content as Array<{ type: string; text?: string }> | undefined)?.find((c) => c.type === 'text')?.text ??
            '';
          const call = `${tool} ${JSON.stringify(a)}`;
          expect(res.isError, `${call}: ${text}\n${session.stderr().slice(-2000)}`).toBeFalsy();
          const out = res.structuredContent as Record<string, unknown> | undefined;
          expect(typeof out === 'object' && out !== null && !Array.isArray(out), `${call}: no structuredContent`).toBe(
            true,
          );
          expect(Object.keys(out!), call).toEqual(expect.arrayContaining(has));
          const problems = checks.get(tool)!.problems(out);
          if (problems.length)
            broken.push(`${call}:\n  ${problems.join('\n  ')}\n  keys: ${Object.keys(out!).join(', ')}`);
          called.add(tool);
          if (tool === 'route_and_generate' && typeof out!.answerId === 'string') got.answerId ??= out!.answerId;
          if (tool === 'compare') got.comparisonId ??= out!.comparisonId as string;
        }
        expect(broken).toEqual([]);
        expect([...called].sort()).toEqual([...listed].sort());
      },
    );
  },
);
