/**
 * The `model` settings: the default model, the models kept loaded and how long, and routing; and the
 * generation `options` sent unless a model's own settings say otherwise.
 */
import * as z from 'zod';
import { keepAliveProblem } from './units.js';
import { optionFields, routingFields } from './agents-schema.js';

const keepAliveTimeout = z
  .union([z.number(), z.string()], { error: 'expected a number of seconds or a duration like "10m"' })
  .superRefine((v, ctx) => {
    const problem = keepAliveProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `expected ${problem}` });
  })
  .describe(
    'How long an idle model stays loaded: seconds, or a duration like "15m"; at most about 292 ' +
      'years. Negative keeps it forever.',
  );

export const modelSchema = z
  .strictObject({
    default: z.string().min(1).optional().describe('The model used when a task names none.'),
    keepAlive: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Keep the models listed in `models` loaded while the server runs.'),
        models: z
          .array(z.string().min(1))
          .default([])
          .describe('Pinned models: kept loaded, never evicted unless asked.'),
        timeout: keepAliveTimeout.default(300),
        extraCopyIdleSeconds: z
          .number()
          .int()
          .min(0)
          .default(180)
          .describe(
            'A second copy of a model loaded on another host for a rush is unloaded after this many ' +
              'seconds without a request (0: left to the engine).',
          ),
      })
      .prefault({}),
    routing: z
      .strictObject({
        enabled: routingFields.enabled.default(true),
        defaultProfile: routingFields.defaultProfile.default('general'),
        overrides: routingFields.overrides.default({}),
        madeFor: routingFields.madeFor.default({}),
        allowCloud: routingFields.allowCloud.default(false),
        learning: routingFields.learning.default(true),
        maxColdLoadMs: routingFields.maxColdLoadMs.optional(),
      })
      .prefault({}),
  })
  .prefault({});

export const optionsSchema = z
  .strictObject({
    // none of these is sent unless set: a model's own settings outrank ollm-mcp's defaults
    temperature: optionFields.temperature.optional(),
    maxTokens: optionFields.maxTokens.optional(),
    topP: optionFields.topP.optional(),
    contextSize: optionFields.contextSize.optional(),
  })
  .prefault({});
