import * as z from 'zod';
import { HostError, TASK_PROFILE, TASK_TYPES } from '../orchestrator/index.js';
import { findModel, withTag } from '../orchestrator/models/catalog.js';
import { checkPreference } from '../orchestrator/generation/preference-check.js';
import { KEEP_COMPARISONS } from '../orchestrator/stores/comparisons.js';
import { quoted } from '../orchestrator/util/shorten.js';
import { defineTool } from './define.js';

export const preferModelTool = defineTool({
  name: 'prefer_model',
  title: 'Remember the preferred model for a kind of work',
  description: "Records the user's preferred model for a kind of work.",
  inputSchema: z.object({
    model: z.string().min(1),
    comparisonId: z.string().optional().describe('The compare it won.'),
    task: z.enum(TASK_TYPES).optional(),
  }),
  outputSchema: z.object({ model: z.string(), task: z.string(), profile: z.string() }),
  // Writes a preference to the state database; not destructive: it replaces one routing setting and names the
  // one it replaced.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  writes: true,
  async run(input, { orch, signal }) {
    // any process's comparison on this $OLLM_HOME, before or after a restart (comparisons.ts)
    const comparison = input.comparisonId
      ? await orch.comparisons.get(orch.config.home, input.comparisonId)
      : undefined;
    if (input.comparisonId && !comparison) {
      throw new HostError(
        'bad_request',
        `No comparison has id ${quoted(input.comparisonId)} (the last ${KEEP_COMPARISONS} are kept) ` +
          `— pass task instead.`,
        orch.host,
      );
    }
    const task = input.task ?? comparison?.task;
    if (!task)
      throw new HostError(
        'bad_request',
        'Say which work the model is preferred for: task, or the comparisonId of a compare.',
        orch.host,
      );
    // a model pulled a moment ago may not be in the cached list yet
    const listed = async (refresh: boolean) => (await orch.listModels({ refresh, signal })).models;
    let models = await listed(false);
    if (!findModel(models, input.model)) models = await listed(true);
    const verdict = checkPreference(input.model, task, models, orch.routingSettings().allowCloud);
    if (!verdict.ok)
      throw new HostError(verdict.installed ? 'bad_request' : 'model_not_found', verdict.message, orch.host);
    const installed = verdict.model;
    if (
      comparison &&
      !comparison.models.includes(installed.name) &&
      !comparison.models.includes(withTag(input.model))
    ) {
      throw new HostError(
        'bad_request',
        `${installed.name} was not part of comparison ${input.comparisonId} (${comparison.models.join(', ')}).`,
        orch.host,
      );
    }
    const profile = TASK_PROFILE[task];
    const before = orch.preferences.all()[profile]?.model;
    await orch.preferences.set(profile, {
      model: installed.name,
      task,
      at: new Date().toISOString(),
      ...(input.comparisonId && { comparisonId: input.comparisonId }),
    });
    // a comparison's winner counts as a win in its track record, the others as losses (learning-evidence.ts)
    if (comparison) {
      await Promise.all(
        comparison.models.map((m) =>
          orch.outcomes.recordNow({ model: m, work: profile }, { kind: 'compare', won: m === installed.name }),
        ),
      );
    }
    // the setting it replaces is named, so the change is never lost
    const replaced =
      before && before !== installed.name
        ? ` It replaces ${before}; prefer_model {model: "${before}", task: "${task}"} brings that back.`
        : '';
    return {
      structured: { model: installed.name, task, profile },
      text: `From now on ${installed.name} is preferred for ${profile} work (${task}).${replaced}`,
    };
  },
});
