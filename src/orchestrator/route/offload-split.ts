/**
 * The parts of work over inputs no model here holds whole (offload-plan.ts): the model they go to —
 * the one named, else the route's first that can, or for a routed call the best that finishes
 * within its client's limit, or sooner where the first takes turns with another job's parts
 * (limit-split.ts) — and its plan, its inputs counted as its engine
 * counts them: whole after all, refused (whole or in parts it cannot), or split into parts sized to
 * its window, with the combining rounds, the requests at once and what every part carries.
 */
import type { TaskType } from '../config/profiles.js';
import { combineRounds, type WindowPlan } from '../generation/split-plan.js';
import type { InputDoc } from '../generation/input-doc.js';
import { splitInputs, type Part } from '../inputs/split.js';
import type { Planned } from './route-plan.js';
import { planFigures } from './split-figures.js';
import { partsRoute } from './split-route.js';
import { withinLimit } from './limit-split.js';
import { splitCopies, type PacedChoice } from './split-copies.js';
import { combineSizing } from './combine-window.js';
import { firstPartAlone } from './first-part.js';
import { partsReloadWhy } from '../fleet/parts-copies.js';
import { partsReloadMs } from './window-cost.js';
import { splitModel, type Ranked } from './offload-order.js';
import { countedWindow, type Counted, type Sizing } from './offload-sizing.js';
import type { OffloadPlan, SplitPlan } from './offload-types.js';

type Limited = { model: Ranked; why: string };
type Split = Extract<WindowPlan, { partTokens: number }>;

/**
 * The model the parts go to: the one named, else the route's first that can; for a routed call, the best that
 * finishes within its client's limit, or well sooner where the first takes turns with another job's parts
 * (limit-split.ts).
 */
export function splitChoice(
  s: Sizing,
  order: Ranked[],
  task: TaskType,
): { chosen?: Ranked; planned?: Ranked; limited?: Limited } {
  const { job, req, views, estimatedWhy } = s;
  const room = (m: Ranked) => {
    const w = s.estimate(m);
    return w.whole ? m.contextWindow : 'partTokens' in w ? w.partTokens : 0;
  };
  const planned: Ranked | undefined = req.model ? order[0]! : splitModel(order, estimatedWhy, room);
  // a routed call whose planned model would not finish in parts within its client's limit: the best that
  // would; one whose model's copies take turns with another job's parts: one well sooner (limit-split.ts)
  const limited =
    !req.model && planned
      ? withinLimit(
          job,
          { ...req, task },
          views,
          planned,
          order.filter((m) => m !== planned && estimatedWhy(m) === undefined),
          s.estimate,
          s.ratioOf,
          s.inputEstimate,
        )
      : undefined;
  return {
    ...((limited?.model ?? planned) && { chosen: limited?.model ?? planned }),
    ...(planned && { planned }),
    ...(limited && { limited }),
  };
}

/** The chosen model's plan: whole after all, refused (whole or in parts it cannot: `nor` says the others), or split. */
export async function chosenPlan(
  s: Sizing,
  chosen: Ranked,
  rendered: string,
  docs: readonly InputDoc[],
  nor: () => string,
  why: { why?: string },
  decided: Planned,
): Promise<OffloadPlan> {
  const counted = await countedWindow(s, chosen, rendered);
  const { host, count, inputTokens, window } = counted;
  if (window.whole) return { kind: 'whole', model: chosen.name, count, ...why, planned: decided };
  const bound =
    chosen.loadedWindow === chosen.contextWindow
      ? `it is loaded with ${chosen.contextWindow}, kept so that it is not reloaded`
      : host.engine.can.managesMemory
        ? `its host's memory holds ${chosen.contextWindow} now`
        : `its engine runs it with ${chosen.contextWindow}`;
  const where = chosen.trainedWindow > chosen.contextWindow ? ` (trained for ${chosen.trainedWindow}; ${bound})` : '';
  if ('impossible' in window) {
    return {
      kind: 'refuse',
      message:
        `The input (~${inputTokens} tokens) is longer than ${chosen.name}'s window, and even split ` +
        `into parts it cannot fit: ${window.impossible}${where} — ` +
        `${s.fixOf(chosen)(window.minWindow)}.${nor()}`,
    };
  }
  const parts = splitInputs(docs, window.partTokens, count);
  if (parts.length > s.maxParts) {
    return {
      kind: 'refuse',
      message:
        `The input (~${inputTokens} tokens) would need ${parts.length} parts of ` +
        `~${window.partTokens} tokens for ${chosen.name}'s ${chosen.contextWindow}-token ` +
        `window${where}, more than inputs.maxParts (${s.maxParts}) — name fewer files, or raise ` +
        `inputs.maxParts.${nor()}`,
    };
  }
  const atParts = combineRounds(parts.length, window.partAnswerTokens, window.partTokens);
  // the copies its parts go to, and how many at once on each (fleet/parts-copies.ts)
  // the work the route inferred when the caller said none: its answers' lengths are learned under it
  const task = s.req.task ?? s.job.call.work().task;
  const copies = await splitCopies(
    s.job,
    { task },
    decided.placement,
    {
      model: chosen.name,
      host,
      window: chosen.contextWindow,
      partPromptTokens: Math.max(...parts.map((p) => p.tokens)) + window.carriedTokens,
      partAnswerTokens: window.partAnswerTokens,
      calls: atParts.calls,
      parts: parts.length,
    },
    (m) => partsReloadMs(s, m),
  );
  const reloads = partsReloadWhy(chosen.name, copies);
  // combined at the widest window of the copies it uses: fewer rounds where one is loaded wider than the parts
  const combining = combineSizing({
    window: chosen.contextWindow,
    partTokens: window.partTokens,
    copies: copies.copies,
    exact: count.source === 'the engine tokenizer',
  });
  const { rounds, calls } = combineRounds(parts.length, window.partAnswerTokens, combining.combineTokens);
  // planned at the host its parts run on: the route's own copy left out as too slow (fleet/parts-copies.ts)
  const at = copies.lead ? { ...counted, host: copies.lead } : counted;
  const said = withNote(withNote(why, reloads), copies.lead && ledWhy(chosen.name, host.name, copies.lead.name));
  const plan = {
    ...splitPlanOf(s, chosen, at, window, parts, { rounds, calls }, copies, said, decided),
    ...(copies.lead && { ledFrom: host.name }),
    ...combining,
  };
  const route = await partsRoute(s.job, s.req, plan);
  return { kind: 'split', plan: { ...plan, figures: planFigures(s.job, { task }, plan), route } };
}

/** The plan's reason with what its copies do said after it: the reloads they make (partsReloadWhy), a copy left out. */
const withNote = (why: { why?: string }, note: string | undefined): { why?: string } =>
  note === undefined ? why : { why: why.why ? `${why.why}; ${note}` : note };

/** Why the job runs on `lead`'s copy, not the route's host's (route/split-copies.ts lead). */
const ledWhy = (model: string, from: string, lead: string) =>
  `its parts run on ${lead}: ${model} on ${from} is too slow to help (its parts would end after ${lead}'s had ended ` +
  `them all)`;

/** The split plan: the parts, the combining rounds, the copies and requests at once, and what every part carries. */
function splitPlanOf(
  s: Sizing,
  chosen: Ranked,
  { host, tokens, count, inputTokens, optional }: Counted,
  window: Split,
  parts: Part[],
  { rounds, calls }: { rounds: number; calls: number },
  { copies, width, pacedWidth, slowLeft }: PacedChoice,
  why: { why?: string },
  decided: Planned,
): Omit<SplitPlan, 'figures' | 'route' | 'combineWindow' | 'combineTokens'> {
  const { fixed } = s;
  const guide =
    window.carry.guide === 'full' ? fixed.guide : window.carry.guide === 'short' ? fixed.shortGuide : undefined;
  const carried = {
    carry: window.carry,
    ...(guide && { guide }),
    memoryTokens: optional.memory,
    leftOut: window.leftOut,
    ...(window.shrunkFrom !== undefined && { shrunkFrom: window.shrunkFrom }),
  };
  return {
    model: chosen.name,
    host,
    window: chosen.contextWindow,
    parts,
    partTokens: window.partTokens,
    partAnswerTokens: window.partAnswerTokens,
    rounds,
    calls,
    width,
    pacedWidth,
    copies,
    ...(slowLeft && { slowLeft }),
    firstAlone: firstPartAlone(host, chosen.name),
    count,
    tokens,
    inputTokens,
    overheadTokens: window.carriedTokens - count(s.req.prompt),
    ...carried,
    ...why,
    planned: decided,
    finalMaxTokens: s.req.maxTokens ?? s.job.call.answer.tokens,
  };
}
