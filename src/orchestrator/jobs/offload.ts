/**
 * Work on inputs read by reference. The files and diffs are put before the task; when the whole
 * fits a model's context it runs as one route_and_generate (the router prefers a model whose
 * window holds input and answer, and num_ctx is set to hold them). When no installed model's
 * window holds it, it runs map-reduce: the input is split at file, heading, paragraph or line
 * boundaries into parts that fit (inputs/split.ts), the task runs on each part — several at once
 * where the hosts have parallel slots — and the partial answers are combined, in further rounds
 * while they do not fit together. Nothing is cut silently.
 */
import type { JobParts } from './parts.js';
import type { PhaseBoard, PhaseReporter } from '../progress/progress.js';
import { renderPart, splitInputs, type InputDoc } from '../inputs/split.js';
import type { GatheredInputs, ReadEntry, SkippedEntry } from '../inputs/types.js';
import { estimateTokens } from '../generation/classify.js';
import { routeAndGenerate, RouteError, type RouteRequest, type RouteResult } from './route.js';

export interface OffloadRequest extends Omit<RouteRequest, 'progress'> {
  inputs?: GatheredInputs;
  progress?: PhaseBoard;
}

export interface SplitInfo {
  /** Parts the input was split into. */
  parts: number;
  /** Rounds of combining the partial answers. */
  rounds: number;
  /** Generations in all: one per part, then the combining ones. */
  calls: number;
  /** The widest context window of a model that fits, which the parts were sized for. */
  contextTokens: number;
}

export interface OffloadResult extends RouteResult {
  /** What was read on the caller's behalf. */
  inputs?: { read: ReadEntry[]; skipped: SkippedEntry[]; bytes: number; tokens: number };
  /** Set when the input was longer than every context and was split. */
  split?: SplitInfo;
}

/** Answer tokens reserved per part: a part's answer is a partial one. */
const PART_ANSWER_TOKENS = 1024;
/** Share of the window a part may fill: token estimates are estimates. */
const FILL = 0.85;
/** Room for the prompt template, special tokens and the framing sentences. */
const FRAMING_TOKENS = 320;

/** Inputs whole, each under its name in a fence (as a part of a split input reads). */
export function renderInputs(docs: readonly InputDoc[]): string {
  return renderPart({ pieces: docs.map((d) => ({ label: d.label, text: d.text, lines: [1, d.text.split('\n').length] as [number, number] })) });
}

/** The task with its inputs: each input under its name, then the task. */
export function withInputs(prompt: string, docs: readonly InputDoc[]): string {
  return docs.length === 0 ? prompt : `${renderInputs(docs)}\n\nTask: ${prompt}`;
}

/** What was read, as results report it. */
export function readSummary(inputs: GatheredInputs): NonNullable<OffloadResult['inputs']> {
  return { read: inputs.read, skipped: inputs.skipped, bytes: inputs.bytes, tokens: inputs.tokens };
}

export async function offload(job: JobParts, req: OffloadRequest): Promise<OffloadResult> {
  const { inputs, ...rest } = req;
  const images = [...(req.images ?? []), ...(inputs?.images ?? [])];
  // what was read from this machine by path goes to the cloud fallback only where settings allow it
  const byReference = (inputs?.read.length ?? 0) > 0;
  const base: RouteRequest = { ...rest, ...(images.length && { images }), ...(byReference && { inputsByReference: true }) };
  const info = inputs && readSummary(inputs);
  const docs = inputs?.docs ?? [];
  try {
    const result = await routeAndGenerate(job, { ...base, prompt: withInputs(req.prompt, docs) });
    return { ...result, ...(info && { inputs: info }) };
  } catch (err) {
    if (!(err instanceof RouteError) || !err.context || docs.length === 0 || req.signal?.aborted || req.dryRun) throw err;
    const result = await mapReduce(job, base, docs, err.context.widestTokens);
    return { ...result, ...(info && { inputs: info }) };
  }
}

/** Runs `n` jobs with at most `width` at once, keeping their order. */
async function pool<T>(n: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, n)) }, worker));
  return out;
}

async function mapReduce(job: JobParts, req: RouteRequest, docs: readonly InputDoc[], widest: number): Promise<OffloadResult> {
  const started = performance.now();
  const settings = job.settings;
  const board = req.progress as PhaseBoard | undefined;
  const answer = Math.min(req.maxTokens ?? PART_ANSWER_TOKENS, PART_ANSWER_TOKENS);
  const fixed = estimateTokens(`${req.system ?? ''}\n${req.prompt}`) + (req.useMemory === false ? 0 : settings.memory.promptBudgetTokens) + estimateTokens(job.project?.systemPrompt ?? '');
  const budget = Math.floor(widest * FILL) - fixed - answer - FRAMING_TOKENS;
  if (budget < 256) {
    throw new RouteError(
      `The input is longer than every installed model's context, and even split into parts it cannot fit: the widest window (${widest} tokens) leaves too little room beside the task (~${fixed} tokens) and the answer (${answer}) — shorten the task, lower maxTokens, or install a model with a larger context.`,
      [],
    );
  }
  const parts = splitInputs(docs, budget, estimateTokens);
  const maxParts = settings.inputs.maxParts;
  if (parts.length > maxParts) {
    throw new RouteError(`The input would need ${parts.length} parts of ~${budget} tokens (the widest context is ${widest}), more than inputs.maxParts (${maxParts}) — name fewer files, or raise inputs.maxParts.`, []);
  }
  const width = job.fleet.hosts.reduce((s, h) => s + h.settings.ollama.numParallel, 0);
  const results: RouteResult[] = [];
  let model = req.model;
  const running = new Set<number>();
  let done = 0;
  const say = (stage: string, total: number) => {
    const now = [...running].sort((a, b) => a - b).map((i) => i + 1);
    board?.note(`${stage}: ${now.length ? `${now.length === 1 ? 'part' : 'parts'} ${now.join(', ')} of ${total} running, ` : ''}${done} of ${total} done`);
  };

  const run = async (prompt: string, label: string, total: number, stage: string, index: number, maxTokens = answer): Promise<RouteResult> => {
    const lane = board?.lane(label);
    running.add(index);
    say(stage, total);
    lane?.enter({ kind: 'starting', what: `${label}: choosing a model` });
    try {
      const r = await routeAndGenerate(job, { ...req, prompt, ...(model && { model }), ...(lane && { progress: lane as PhaseReporter }), maxTokens });
      model ??= r.model; // the parts stay on one model: no reload between them
      results.push(r);
      return r;
    } finally {
      running.delete(index);
      done++;
      lane?.end();
      say(stage, total);
    }
  };

  // The first part alone picks and loads the model; the others then run as the slots allow.
  const partPrompt = (i: number) =>
    `${renderPart(parts[i]!)}\n\nThis is part ${i + 1} of ${parts.length} of the input; the other parts are given separately. Task: ${req.prompt}\nWork only from this part. Your answer will be combined with the answers for the other parts.`;
  const first = await run(partPrompt(0), `part 1 of ${parts.length}`, parts.length, 'reading the input in parts', 0);
  const rest = await pool(parts.length - 1, width, (i) => run(partPrompt(i + 1), `part ${i + 2} of ${parts.length}`, parts.length, 'reading the input in parts', i + 1));
  let answers = [first, ...rest].map((r, i) => ({ label: `answer for part ${i + 1} (${parts[i]!.pieces.map((p) => p.label).filter((l, k, all) => all.indexOf(l) === k).join(', ')})`, text: r.text }));

  let rounds = 0;
  let final: RouteResult | undefined;
  while (!final) {
    rounds++;
    done = 0;
    const groups = splitInputs(answers, budget, estimateTokens);
    const combine = (i: number) =>
      `${renderPart(groups[i]!)}\n\nThe input was too long to read at once, so it was split into ${parts.length} parts and the task was done on each; above are ${groups.length > 1 ? 'some of ' : ''}the answers for the parts. Task: ${req.prompt}\nCombine them into one answer to the task, as if the whole input had been read at once.`;
    // the last combination is the answer itself: it may be as long as asked, within the window
    const last = groups.length === 1;
    const finalTokens = (prompt: string) => Math.max(answer, Math.min(req.maxTokens ?? settings.options.maxTokens, Math.floor(widest * FILL) - estimateTokens(prompt) - fixed - FRAMING_TOKENS));
    const combined = await pool(groups.length, width, (i) => {
      const prompt = combine(i);
      return run(prompt, last ? 'combining the answers' : `combining ${i + 1} of ${groups.length}`, groups.length, `combining the answers, round ${rounds}`, i, last ? finalTokens(prompt) : answer);
    });
    if (combined.length === 1) final = combined[0];
    else answers = combined.map((r, i) => ({ label: `combined answer ${i + 1}`, text: r.text }));
  }

  const sum = (k: 'promptTokens' | 'outputTokens' | 'loadMs' | 'queueMs') => results.reduce((s, r) => s + r.metrics[k], 0);
  const totalMs = Math.round(performance.now() - started);
  const split: SplitInfo = { parts: parts.length, rounds, calls: results.length, contextTokens: widest };
  return {
    ...final,
    reason: `${final.reason} The input (~${docs.reduce((s, d) => s + estimateTokens(d.text), 0)} tokens) is longer than any installed model's context (the widest that fits is ${widest} tokens), so it was split into ${parts.length} parts, the task run on each, and the answers combined (${results.length} generations).`,
    fallbacks: results.flatMap((r) => r.fallbacks),
    metrics: { ...final.metrics, totalMs, promptTokens: sum('promptTokens'), outputTokens: sum('outputTokens'), loadMs: sum('loadMs'), queueMs: sum('queueMs') },
    split,
  };
}
