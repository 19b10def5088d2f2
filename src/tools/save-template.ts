import * as z from 'zod';
import { variablesOf } from '../orchestrator/templates/index.js';
import { literalNames, literalNote } from '../orchestrator/templates/literal-names.js';
import { promptProblem } from '../prompts/templates.js';
import { defineTool } from './define.js';

export const saveTemplateTool = defineTool({
  name: 'save_template',
  title: 'Save a prompt template',
  description: 'Saves a prompt template for render_template.',
  inputSchema: z.object({
    name: z.string().min(1).describe('Letters, digits, _ and -.'),
    description: z.string().min(1),
    template: z.string().min(1).describe('{var} or {var:default} marks a variable.'),
    variables: z
      .array(
        z.object({
          name: z.string().min(1),
          required: z.boolean().optional(),
          default: z.string().optional(),
          description: z.string().optional(),
        }),
      )
      .optional(),
    replace: z.boolean().optional().describe('Overwrite.'),
  }),
  outputSchema: z.object({
    name: z.string(),
    action: z.enum(['created', 'replaced']),
    file: z.string(),
    overridesBuiltin: z.boolean(),
    variables: z.array(
      z.object({
        name: z.string(),
        required: z.boolean(),
        default: z.string().optional(),
        description: z.string().optional(),
      }),
    ),
  }),
  // with replace: true it overwrites a template of yours
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  writes: true,
  async run(input, { orch }) {
    const { replace, ...def } = input;
    // Checked before anything is written: a saved template is always one the server can offer as a prompt.
    const saved = await orch.templates.save(def, { replace: replace === true, vet: promptProblem });
    const overridesBuiltin = saved.template.overrides === 'builtin';
    const variables = variablesOf(saved.template);
    const savedLine = `${saved.action === 'created' ? 'Saved' : 'Replaced'} template "${saved.template.name}" in ${saved.file}${overridesBuiltin ? ' (it overrides the built-in of that name)' : ''}. Variables: ${
      variables
        .map((v) => `${v.name}${v.required ? ' (required)' : v.default !== undefined ? ` = "${v.default}"` : ''}`)
        .join(', ') || 'none'
    }.`;
    // {{topic}} is a literal brace pair here, not a variable: said, so the template is not saved wrong unknowingly
    const literal = literalNote(literalNames(saved.template.template));
    const text = literal ? `${savedLine}\n${literal} Save it again with replace: true to make it one.` : savedLine;
    return {
      structured: { name: saved.template.name, action: saved.action, file: saved.file, overridesBuiltin, variables },
      text,
    };
  },
});
