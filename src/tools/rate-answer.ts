import * as z from 'zod';
import { evidenceText, trackRecord } from '../orchestrator/generation/learning.js';
import { VerdictError } from '../orchestrator/stores/outcomes.js';
import { HostError } from '../orchestrator/index.js';
import { defineTool } from './define.js';

export const rateAnswerTool = defineTool({
  name: 'rate_answer',
  title: 'Say whether a local answer was good',
  description: 'Records a verdict on a route_and_generate answer.',
  inputSchema: z.object({
    answerId: z.string().min(1).max(100),
    verdict: z.enum(['good', 'bad']),
    why: z.string().max(500).optional(),
  }),
  outputSchema: z.object({
    model: z.string(),
    host: z.string().optional(),
    work: z.string().describe('the kind of work the answer was routed as'),
    verdict: z.enum(['good', 'bad']),
    changed: z.boolean().describe('false when this verdict had already been given'),
    record: z.string().describe("the model's track record for that work here, after this verdict"),
    quality: z.number().describe('expected quality for that work now, 0–1 (prior plus evidence)'),
  }),
  // records a verdict in the state database; giving it again changes nothing
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  writes: true,
  async run(input, { orch, agent }) {
    let out;
    try {
      out = await orch.outcomes.verdict(input.answerId, input.verdict === 'good');
    } catch (err) {
      if (err instanceof VerdictError) throw new HostError('bad_request', err.message, orch.host);
      throw err;
    }
    const { answer, evidence, changed } = out;
    if (changed) orch.agents.verdict(agent, input.verdict === 'good'); // the verdicts each agent gave
    const record = evidenceText(evidence, answer.work);
    const quality = trackRecord({ [answer.work]: evidence })[answer.work]?.meanQuality ?? 0;
    const where = answer.host ? ` on ${answer.host}` : '';
    const why = input.why ? ` (${input.why.trim()})` : '';
    const text = changed
      ? `Noted: ${answer.model}${where} gave a ${input.verdict} ${answer.work} answer${why}. Its ` +
        `record here: ${record}.`
      : `That verdict was already given; ${answer.model}${where}'s record here: ${record}.`;
    return {
      structured: {
        model: answer.model,
        ...(answer.host && { host: answer.host }),
        work: answer.work,
        verdict: input.verdict,
        changed,
        record,
        quality: Math.round(quality * 1000) / 1000,
      },
      text,
    };
  },
});
