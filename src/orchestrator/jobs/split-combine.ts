/**
 * A split job's prompts and its combining (split-run.ts): what a part's prompt asks after the part
 * and a combination's after the answers — their text is in the key of a reused part, so it stays as
 * it is — and the partial answers combined in rounds until one answer is left.
 */
import type { SplitPace } from './split-pace.js';
import type { JobParts } from '../route/parts.js';
import { renderPart, splitInputs, type Part } from '../inputs/split.js';
import type { RouteRequest, RouteResult } from './route.js';
import { ESTIMATE_FILL, EXACT_FILL, FRAMING_TOKENS } from '../generation/split-plan.js';
import type { SplitPlan } from '../route/offload-types.js';
import { pool, type generations } from './split-generations.js';

/** A group of one answer whole (not a piece of one cut to fit): combining it alone would only write it again. */
const lone = (p: Part) => p.pieces.length === 1 && p.pieces[0]!.piece === undefined;

/** What a part's prompt asks after the part, and a combination's after the answers it combines. */
export const partAsk = (i: number, total: number, task: string) =>
  `\n\nPart ${i + 1} of ${total} of the input. Task: ${task}\n` +
  'Answer from this part only; the answers for all parts will be combined.';
export const combineAsk = (total: number, task: string, some: boolean) =>
  `\n\nAbove are ${some ? 'some of ' : ''}the answers for the ${total} parts of a long input. Task: ${task}\n` +
  'Combine them into one answer to the task, as if the whole input had been read at once.';

/**
 * The parts' answers combined, in rounds while they do not fit one prompt — an answer left alone in its group
 * goes on to the next round as it is, each round still fewer answers; the last combination is
 * the answer itself — as long as asked, within the window, in the format asked, with remembered
 * facts again where they fit beside an answer of a part's size (`factsBack`). `pace` is told each
 * round's prompts as it starts.
 */
export async function combineAll(
  job: JobParts,
  req: RouteRequest,
  plan: SplitPlan,
  g: ReturnType<typeof generations>,
  first: Array<{ label: string; text: string }>,
  pace?: SplitPace,
): Promise<{ final: RouteResult; rounds: number; factsBack: boolean }> {
  const { count, width } = plan;
  const total = plan.parts.length;
  const fill = plan.count.source === 'the engine tokenizer' ? EXACT_FILL : ESTIMATE_FILL;
  // a combination sized past the parts' room runs only on a copy of the widest window (route/combine-window.ts)
  const windowOf = (group: Part) => (group.tokens > plan.partTokens ? plan.combineWindow : plan.window);
  const memoryBack = (prompt: string, window: number) =>
    !plan.carry.memory &&
    plan.memoryTokens > 0 &&
    count(prompt) + plan.overheadTokens + plan.memoryTokens + plan.partAnswerTokens + FRAMING_TOKENS <=
      Math.floor(window * fill);
  const limit = plan.finalMaxTokens; // the call's limit, as its plan settled it
  const held = (memory: boolean) => plan.overheadTokens + (memory ? plan.memoryTokens : 0) + FRAMING_TOKENS;
  const room = (prompt: string, memory: boolean, window: number) =>
    Math.floor(window * EXACT_FILL) - held(memory) - count(prompt);
  const finalTokens = (p: string, memory: boolean, window: number) =>
    Math.max(plan.partAnswerTokens, Math.min(limit, room(p, memory, window)));
  let answers = first;
  let rounds = 0;
  let factsBack = false;
  for (;;) {
    rounds++;
    g.stageDone();
    // groups as large as the widest copy's window holds
    const all = splitInputs(answers, plan.combineTokens, count);
    const last = all.length === 1;
    // a group of one whole answer, in a round that combines others, goes on to the next round as it is
    const lonely = last ? [] : all.filter(lone);
    // ...but when every group is one answer, each is combined (shortened) so the next round holds fewer
    const alone = lonely.length < all.length ? lonely : [];
    const groups = all.filter((p) => !alone.includes(p));
    const combine = (i: number) => `${renderPart(groups[i]!)}${combineAsk(total, req.prompt, !last)}`;
    const wide = (i: number) => (windowOf(groups[i]!) > plan.window ? { wide: plan.combineWindow } : {});
    const stage = `combining the answers, round ${rounds}`;
    pace?.round(
      groups.map((_, i) => count(combine(i))),
      last,
    );
    const combined = await pool(groups.length, width, req.signal, (i) => {
      const prompt = combine(i);
      if (!last)
        return g.run(
          prompt,
          `combining ${i + 1} of ${groups.length}`,
          { name: stage, total: groups.length, index: String(i + 1), combine: true, ...wide(i) },
          plan.partAnswerTokens,
        );
      const window = windowOf(groups[i]!);
      factsBack = memoryBack(prompt, window);
      return g.run(
        prompt,
        'combining the answers',
        { name: stage, total: 1, index: '1', combine: true, final: true, ...wide(i) },
        finalTokens(prompt, factsBack, window),
        undefined,
        { ...(req.format && { format: req.format }), ...(factsBack && { useMemory: true }) },
      );
    });
    if (last) return { final: combined[0]!, rounds, factsBack };
    answers = [
      ...combined.map((r, i) => ({ label: `combined answer ${i + 1}`, text: r.text })),
      ...alone.map((p) => ({ label: p.pieces[0]!.label, text: p.pieces[0]!.text })),
    ];
  }
}
