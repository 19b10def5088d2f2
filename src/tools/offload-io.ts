/**
 * What the tools that hand work to a local model share: inputs by reference (files and globs,
 * images by path, the git diff) and the ledger line that says what the call saved the caller.
 */
import type { CitationReport } from '../orchestrator/inputs/citations.js';
import * as z from 'zod';
import { estimateTokens } from '../orchestrator/generation/classify.js';
import type { GatheredInputs, InputRequest } from '../orchestrator/inputs/index.js';
import { ledgerLine, priceCall, type LedgerEntry } from '../orchestrator/savings/ledger.js';
import type { ToolContext } from './tool-types.js';
import { afterAnswer } from '../orchestrator/util/after-answer.js';
import { formatBytes } from '../orchestrator/config/units.js';
import type { PhaseReporter } from '../orchestrator/progress/progress.js';

/** What an image costs a hosted assistant to read at full size (Claude: about width × height / 750, at most ~1,600). */
const IMAGE_TOKENS = 1600;

/**
 * The inputs named by reference. Their describe texts are short on purpose (issue 32: the tool
 * list is sent to the model every turn); route_and_generate's description says once that the
 * server reads them, and docs/tools.md has the details (globs, .gitignore, image formats, splits).
 */
export const inputFields = {
  files: z.array(z.string().min(1).max(4096)).max(100).optional().describe('Paths or globs.'),
  images: z.array(z.string().min(1)).max(8).optional().describe('Paths or base64.'),
  diff: z
    .object({
      staged: z.boolean().optional(),
      range: z.string().min(1).max(200).optional(),
      paths: z.array(z.string().min(1).max(4096)).max(100).optional(),
    })
    .strict()
    .optional()
    .describe('Git diff; {}: working tree.'),
};

/**
 * The shape of the answer: "json", or a JSON Schema (bounded and compiled before anything is sent:
 * generation/answer-format.ts). Listed as `{"anyOf":[{"const":"json"},{"type":"object"}]}`: it
 * says itself what it takes, so it carries no description.
 */
export const formatField = {
  format: z.union([z.literal('json'), z.record(z.string(), z.unknown())]).optional(),
};

export const readSchema = z
  .object({
    read: z.array(
      z.object({
        path: z.string(),
        kind: z.enum(['text', 'image', 'diff']),
        bytes: z.number(),
        tokens: z.number(),
        encoding: z.string(),
      }),
    ),
    skipped: z
      .array(z.object({ path: z.string(), reason: z.string() }))
      .describe('files a pattern matched that were left out, and why'),
    bytes: z.number(),
    tokens: z.number(),
  })
  .describe('what the server read on your behalf');

export const splitSchema = z
  .object({ parts: z.number(), rounds: z.number(), calls: z.number(), contextTokens: z.number() })
  .describe(
    "set when the input was longer than every model's context: it was split into parts and the answers combined",
  );

export const ledgerSchema = z
  .object({
    local: z.object({ in: z.number(), out: z.number() }),
    call: z.object({ in: z.number(), out: z.number(), money: z.number() }),
    self: z.object({ in: z.number(), out: z.number(), money: z.number() }),
    savedTokens: z.number(),
    savedMoney: z.number(),
    verdict: z.enum(['saved', 'cost_more']),
    inputsByReference: z.number(),
  })
  .describe(
    'what this call cost you (arguments written, result read) against doing the work yourself ' +
      '(reading the inputs, writing the answer), in tokens and money at savings.* prices',
  );

/** What was read, as results report it. */
export type ReadSummary = Pick<GatheredInputs, 'read' | 'skipped' | 'bytes' | 'tokens'>;

export type InputArgs = {
  files?: string[] | undefined;
  images?: string[] | undefined;
  diff?: { staged?: boolean | undefined; range?: string | undefined; paths?: string[] | undefined } | undefined;
};

/** Reads what the arguments name by reference; undefined when they name nothing. */
export async function readInputArgs(
  args: InputArgs,
  readInputs: (r: InputRequest) => Promise<GatheredInputs>,
  progress?: PhaseReporter,
): Promise<GatheredInputs | undefined> {
  const req: InputRequest = {
    ...(args.files?.length && { files: args.files }),
    ...(args.images?.length && { images: args.images }),
    ...(args.diff && {
      diff: {
        ...(args.diff.staged !== undefined && { staged: args.diff.staged }),
        ...(args.diff.range && { range: args.diff.range }),
        ...(args.diff.paths && { paths: args.diff.paths }),
      },
    }),
  };
  if (!req.files && !req.images && !req.diff) return undefined;
  const what = [
    req.files && `${req.files.length} file path${req.files.length === 1 ? '' : 's'}`,
    req.images && `${req.images.length} image${req.images.length === 1 ? '' : 's'}`,
    req.diff && 'the git diff',
  ]
    .filter(Boolean)
    .join(', ');
  progress?.enter({ kind: 'starting', what: `reading ${what}` });
  return readInputs(req);
}

/**
 * One line listing what was read, for the result text: each input's size, and the total when more than one
 * was read.
 */
export function readLine(inputs: ReadSummary | undefined): string | undefined {
  if (!inputs || (inputs.read.length === 0 && inputs.skipped.length === 0)) return undefined;
  const shown = inputs.read
    .slice(0, 8)
    .map((r) => `${r.path} (${formatBytes(r.bytes)}${r.kind === 'image' ? ', image' : `, ~${r.tokens} tokens`})`);
  const more = inputs.read.length > 8 ? `, and ${inputs.read.length - 8} more` : '';
  const skipped = inputs.skipped.length
    ? ` Left out: ${inputs.skipped
        .slice(0, 5)
        .map((s) => `${s.path} (${s.reason})`)
        .join('; ')}${inputs.skipped.length > 5 ? `; and ${inputs.skipped.length - 5} more` : ''}.`
    : '';
  // the total only where it adds to the list: one input's own size is already there
  const total = inputs.read.length > 1 ? ` — ${formatBytes(inputs.bytes)}, ~${inputs.tokens} tokens` : '';
  const list = inputs.read.length > 0 ? `: ${shown.join(', ')}${more}${total}` : '';
  return `Read ${inputs.read.length} input${inputs.read.length === 1 ? '' : 's'}${list}.${skipped}`;
}

/** The answer's citations in a few words: how many hold, and the first that does not. */
function citationLine(r: CitationReport): string {
  const first = r.citations.find((c) => c.verdict === 'flagged');
  return `Citations: ${r.summary}${first ? `; flagged: ${first.why ?? first.raw}` : ''}.`;
}

/**
 * What a call produced, for the ledger: the answer the caller would otherwise have written, and the local
 * model's work.
 */
export interface OffloadOutcome {
  /** The answer's checked citations, said on the read line. */
  citations?: CitationReport | undefined;
  answer: string;
  local: { promptTokens: number; outputTokens: number };
  model: string;
  task: string;
  /**
   * What the job's hand-overs and follow-up calls cost the agent (jobs/job-types.ts JobControl.spent): the
   * line is net of it.
   */
  spent?: { in: number; out: number };
}

/**
 * The result text — what the tool rendered, what was read, and one ledger line — with the call
 * priced and recorded. The caller reads the text plus this line; the line's own few tokens are
 * counted by estimate.
 */
export function withLedgerLine(
  ctx: Pick<ToolContext, 'orch' | 'rawArgs' | 'agent'>,
  input: InputArgs & { prompt: string; system?: string | undefined },
  inputs: ReadSummary | undefined,
  rendered: string,
  o: OffloadOutcome,
): { entry: LedgerEntry; text: string } {
  const body = [rendered, [readLine(inputs), o.citations && citationLine(o.citations)].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join('\n');
  const imagesRead = inputs?.read.filter((r) => r.kind === 'image').length ?? 0;
  // images passed inline as base64 were written into the arguments; the agent would read them too
  const inlineImages = Math.max(0, (input.images?.length ?? 0) - imagesRead);
  const byRef = (inputs?.tokens ?? 0) + imagesRead * IMAGE_TOKENS;
  const tokens = {
    argsTokens: estimateTokens(JSON.stringify(ctx.rawArgs ?? {})),
    resultTokens: estimateTokens(body) + 40,
    inputTokens: estimateTokens(`${input.system ?? ''}\n${input.prompt}`) + byRef + inlineImages * IMAGE_TOKENS,
    answerTokens: estimateTokens(o.answer),
    localPromptTokens: o.local.promptTokens,
    localOutputTokens: o.local.outputTokens,
    inputsByReference: byRef,
  };
  const own = priceCall(tokens, ctx.orch.savings.prices);
  // the call is counted in the savings ledger once its answer has gone out (nothing the answer says reads the
  // ledger's totals)
  const where = { model: o.model, task: o.task, agent: ctx.agent };
  afterAnswer('the savings ledger', () => ctx.orch.savings.record({ ...own, ...where }));
  // a job handed over: its hand-overs and follow-ups were recorded as they came (savings-store
  // recordOverhead); the line says the net
  const spent = o.spent && o.spent.in + o.spent.out > 0 ? o.spent : undefined;
  const entry = spent
    ? priceCall(
        { ...tokens, argsTokens: tokens.argsTokens + spent.out, resultTokens: tokens.resultTokens + spent.in },
        ctx.orch.savings.prices,
      )
    : own;
  return {
    entry,
    text: `${body}\n${ledgerLine(entry, ctx.orch.savings.prices, spent ? 'this job with its hand-overs' : 'this call')}`,
  };
}
