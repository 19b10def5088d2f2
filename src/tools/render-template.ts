import { inputRequired } from '@modelcontextprotocol/server';
import { literalNames, literalNote } from '../orchestrator/templates/literal-names.js';
import * as z from 'zod';
import { TASK_TYPES, type TaskType } from '../orchestrator/index.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { offload, type OffloadResult } from '../orchestrator/jobs/offload.js';
import { renderInputs } from '../orchestrator/inputs/render-inputs.js';
import {
  renderTemplate,
  RenderTooLargeError,
  TemplateError,
  type RenderResult,
  type StoredTemplate,
} from '../orchestrator/templates/index.js';
import { InputError, type GatheredInputs, type InputRequest } from '../orchestrator/inputs/index.js';
import { defineTool } from './define.js';
import { renderRoute, routeResultSchema, withLedger } from './route-and-generate.js';
import { inputFields, readInputArgs } from './offload-io.js';
import { quoted } from '../orchestrator/util/shorten.js';
import { clientLimitField } from '../orchestrator/config/client-limits.js';
import { asJob, callKey, jobSchema, type JobInfo } from './long-call.js';
import { promptOwner } from './prompt-owner.js';
import { refuseBlank } from './blank-prompt.js';
import { hasVisible } from '../orchestrator/util/visible.js';

/**
 * The work each built-in template asks for, so generate routes it without guessing: reviewing
 * code is code work (even when the review looks for bugs), as are tests and commit messages. A
 * user's own template (or one that overrides a built-in) is classified from its text.
 */
const BUILTIN_TASK: Readonly<Record<string, TaskType>> = {
  code_review: 'code',
  write_tests: 'code',
  commit_message: 'code',
  summarize: 'summarize',
};

/** The task to route a rendered template with: the caller's, else the built-in template's own, else inferred. */
export function templateTask(template: Pick<StoredTemplate, 'name' | 'source'>, task?: TaskType): TaskType | undefined {
  return (
    task ??
    (template.source === 'builtin' && Object.hasOwn(BUILTIN_TASK, template.name)
      ? BUILTIN_TASK[template.name]
      : undefined)
  );
}

/** The key the missing variables are asked under, and found again in the retried call. */
const ASK_KEY = 'variables';

/** A run's result with its ledger line, as withLedger makes it. */
type Generated = ReturnType<typeof withLedger<OffloadResult>>['structured'];

const missingSchema = z.object({ name: z.string(), description: z.string().optional() });

async function findTemplate(orch: Pick<Orchestrator, 'templates'>, name: string): Promise<StoredTemplate> {
  const { template, problems } = await orch.templates.lookup(name);
  if (template) return template;
  const names = orch.templates.current().templates.map((t) => t.name);
  const broken = problems.map((p) => ` ${p.file} ${p.message}.`).join('');
  throw new TemplateError(`There is no template ${quoted(name)}.${broken} Templates: ${names.join(', ')}.`);
}

/**
 * Each variable named in variableFiles, filled with its file's text (a glob: every matching file, each under
 * its name).
 */
async function variablesFromFiles(
  files: Record<string, string> | undefined,
  read: (r: InputRequest) => Promise<GatheredInputs>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, path] of Object.entries(files ?? {})) {
    const got = await read({ files: [path] });
    if (got.images.length)
      throw new InputError(`variableFiles.${name}: ${path} is an image — pass images in images, with generate: true.`);
    const only = got.docs.length === 1 ? got.docs[0] : undefined;
    const text = only ? only.text : renderInputs(got.docs);
    Object.defineProperty(out, name, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The template filled in; one that would pass MAX_RENDERED_CHARS is refused, with its size and
 * the variable that makes it so, before it is built (or sent to a model).
 */
function filled(template: StoredTemplate, values: Record<string, string>): RenderResult {
  try {
    return renderTemplate(template, values);
  } catch (err) {
    if (err instanceof RenderTooLargeError)
      throw new TemplateError(
        `The "${template.name}" template was not filled in: ${err.message.replace(/^Filled in, this template/, 'it')}`,
      );
    throw err;
  }
}

/** The user's answers from an ask: strings only, blank ones (util/visible.ts) dropped. */
function answersFrom(responses: Record<string, unknown> | undefined): {
  asked: boolean;
  values: Record<string, string>;
} {
  const r = responses?.[ASK_KEY] as { action?: string; content?: Record<string, unknown> } | undefined;
  if (!r) return { asked: false, values: {} };
  // fromEntries keeps any answer name (even "__proto__") an ordinary key
  const given =
    r.action === 'accept'
      ? Object.entries(r.content ?? {}).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && hasVisible(e[1]),
        )
      : [];
  return { asked: true, values: Object.fromEntries(given) };
}

export const renderTemplateTool = defineTool({
  name: 'render_template',
  title: 'Fill in a prompt template',
  description: 'Fills a prompt template (ollm://templates).',
  inputSchema: z.object({
    name: z.string().min(1),
    variables: z.record(z.string(), z.string()).optional(),
    variableFiles: z
      .record(z.string(), z.string().min(1).max(4096))
      .optional()
      .describe('{var: path}: read from files.'),
    ...inputFields,
    generate: z.boolean().optional().describe('Also run it.'),
    task: z.enum(TASK_TYPES).optional(),
    model: z.string().min(1).optional().describe('Only this model.'),
  }),
  outputSchema: z.object({
    name: z.string(),
    prompt: z.string(),
    missing: z
      .array(missingSchema)
      .describe('required variables still without a value (empty when the prompt is complete)'),
    variables: z.record(z.string(), z.string()).describe('the value each variable got'),
    ignored: z.array(z.string()).describe('given variables the template does not use'),
    generated: routeResultSchema.optional(),
    job: jobSchema
      .optional()
      .describe("with generate: the run outlasted its client's limit; the prompt is here, the answer not yet"),
  }),
  // with generate: true it runs like route_and_generate — loads a model (may evict idle ones), may reach an
  // OpenAI-compatible host or ollama.com; it deletes nothing
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(input, ctx) {
    const { orch, phases, canAsk, inputResponses, readInputs: ctxRead } = ctx;
    const template = await findTemplate(orch, input.name);
    const answers = answersFrom(inputResponses);
    if (!input.generate && (input.files?.length || input.images?.length || input.diff)) {
      throw new InputError(
        'files, images and diff are read only with generate: true — to put a file into the prompt ' +
          'itself, use variableFiles.',
      );
    }
    const values = {
      ...input.variables,
      ...(await variablesFromFiles(input.variableFiles, ctxRead)),
      ...answers.values,
    };
    const r = filled(template, values);
    if (r.missing.length > 0) {
      if (canAsk && !answers.asked) {
        const properties = Object.fromEntries(
          r.missing.map((m) => [
            m.name,
            { type: 'string' as const, title: m.name, ...(m.description && { description: m.description }) },
          ]),
        );
        return {
          ask: inputRequired({
            inputRequests: {
              [ASK_KEY]: inputRequired.elicit({
                message: `The "${template.name}" template needs ${r.missing.map((m) => m.name).join(', ')}.`,
                requestedSchema: { type: 'object', properties, required: r.missing.map((m) => m.name) },
              }),
            },
          }),
        };
      }
      const each = r.missing.map((m) => `${m.name}${m.description ? ` (${m.description})` : ''}`).join('; ');
      throw new TemplateError(
        `The "${template.name}" template is missing ` +
          `${r.missing.length === 1 ? 'a required variable' : `${r.missing.length} required variables`}: ` +
          `${each}. ${answers.asked ? 'They were not given in the form; ' : ''}pass them in variables ` +
          `and call render_template again.`,
      );
    }
    const structured = { name: template.name, prompt: r.prompt, missing: [], variables: r.used, ignored: r.ignored };
    const literal = literalNote(literalNames(template.template).filter((n) => r.ignored.includes(n)));
    const note = r.ignored.length
      ? `\n\n(Not used by this template: ${r.ignored.join(', ')}.${literal ? ` ${literal}` : ''})`
      : '';
    if (!input.generate) return { structured, text: `${r.prompt}${note}` };
    // filled in with values that show nothing (or none: an empty default), it is sent to no model
    const names = Object.keys(r.used).join(', ');
    refuseBlank(
      r.prompt,
      'render_template',
      `values in words for the "${template.name}" template's variables (${names})`,
    );
    const task = templateTask(template, input.task);
    const inputs = await readInputArgs(input, ctxRead, phases);
    // run as a job: answered within the client's limit, whole or handed over (long-call.ts); the
    // prompt holds every variable (from files too) and the inputs their contents: an edit is another call
    const key = callKey('render_template', ctx.rawArgs, [
      r.prompt,
      ...(inputs?.docs ?? []).map((d) => `${d.label}\0${d.text}`),
      ...(inputs?.images ?? []),
    ]);
    return asJob<typeof structured & { generated?: Generated; job?: JobInfo }>(
      ctx,
      { tool: 'render_template', key },
      async (control) => {
        const generated = await offload(orch, {
          prompt: r.prompt,
          agent: ctx.agent,
          owner: promptOwner(ctx),
          ...(ctx.client !== undefined && { client: ctx.client }),
          ...clientLimitField(ctx.clientLimit),
          signal: control.signal,
          onPart: control.part,
          reused: control.reused,
          keep: control.keep,
          onStatus: control.status,
          ...(inputs && { inputs }),
          ...(phases && { progress: phases }),
          ...(task && { task }),
          ...(input.model && { model: input.model, only: true }),
        });
        const out = withLedger(
          ctx,
          { ...input, prompt: r.prompt },
          inputs,
          generated,
          (g) => `${renderRoute(g)}${note}`,
          control.spent(),
        );
        return { structured: { ...structured, generated: out.structured }, text: out.text };
      },
      (job) => ({ ...structured, job }),
    );
  },
});
