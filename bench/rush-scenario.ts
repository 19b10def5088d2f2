/**
 * The rush of issue 82, finding 1, as `npm run bench -- rush` (bench/rush.ts) plays it: three agents, ten
 * jobs each, drawn from a seed — six quick questions, three questions over the agent's own log by path, one
 * comparison, in a seeded order, each sent a seeded 0.5–2.5 s (scaled) after the last was answered — and
 * what the engines answer: every question carries a tag (`[rush a1-j4]`) that the fakes' answers repeat, so
 * an answer read is known to be the whole of that question's (its first and last marks), and the engines'
 * records tell which job each generation was for.
 */
import { createHash } from 'node:crypto';
import type { GenerationRecord, ReplyContext } from '../test/fake-ollama/server.js';
import { random } from '../test/helpers/random.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

export const AGENTS = ['claude-ai', 'cursor-vscode', 'claude-code'] as const;
export const MODELS = ['llama3.1:8b', 'qwen2.5-coder:7b'];
/** The agents' logs: one each, a permutation of these sizes drawn from the seed (the issue's 100–300 KB). */
const FILE_BYTES = [100_000, 200_000, 300_000];
export const LOG_NAME = 'service.log';

export type Kind = 'quick' | 'file' | 'compare';

export interface RushJob {
  kind: Kind;
  tag: string;
  /** The first call: route_and_generate or compare. */
  call: { name: string; arguments: Record<string, unknown> };
  /** Wait after the previous job's answer before sending this one (ms, scaled). */
  pauseMs: number;
}

export interface Agent {
  name: (typeof AGENTS)[number];
  fileBytes: number;
  jobs: RushJob[];
}

const QUICK = [
  'Explain what an HTTP ETag is and when a server sends one.',
  'Write a TypeScript function that debounces another function.',
  'What is the difference between a process and a thread?',
  'Write a Python function that parses an ISO 8601 date string.',
  'Explain how a B-tree index speeds up a database lookup.',
  'Write a SQL query listing the ten customers with the most orders.',
  'Why does a TCP connection need a three-way handshake?',
  'Write a Go function that reverses a slice of strings in place.',
];
const ABOUT_FILE = [
  'Which workers failed most often in this log, and how often?',
  'List the jobs whose status is error, with their workers.',
  'Summarise this log: what happened, minute by minute?',
];
const COMPARE = 'Explain the difference between a mutex and a semaphore, with an example of each.';

/** A seeded shuffle (Fisher–Yates). */
function shuffle<T>(xs: T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The words of each quick or compared question's answer, by tag (100–300, from the seed). */
export type AnswerWords = Map<string, number>;

/** Every agent's jobs and every answer's length, from `seed`; pauses of 0.5–2.5 s times `scale`. */
export function rushScenario(seed: number, scale: number): { agents: Agent[]; words: AnswerWords } {
  const rand = random(seed);
  const words: AnswerWords = new Map();
  const sizes = shuffle(FILE_BYTES, rand);
  const agents = AGENTS.map((name, a) => {
    const kinds = shuffle<Kind>([...Array<Kind>(6).fill('quick'), 'file', 'file', 'file', 'compare'], rand);
    let quick = Math.floor(rand() * QUICK.length);
    let file = 0;
    const jobs = kinds.map((kind, j): RushJob => {
      const tag = `a${a + 1}-j${j + 1}`;
      const pauseMs = Math.round((500 + 2000 * rand()) * scale);
      words.set(tag, 100 + Math.floor(200 * rand()));
      const mark = `[rush ${tag}]`;
      if (kind === 'file')
        return {
          kind,
          tag,
          pauseMs,
          call: {
            name: 'route_and_generate',
            arguments: { prompt: `${mark} ${ABOUT_FILE[file++]}`, files: [LOG_NAME] },
          },
        };
      if (kind === 'compare')
        return {
          kind,
          tag,
          pauseMs,
          call: { name: 'compare', arguments: { prompt: `${mark} ${COMPARE}`, models: MODELS } },
        };
      const prompt = `${mark} ${QUICK[quick++ % QUICK.length]}`;
      return { kind, tag, pauseMs, call: { name: 'route_and_generate', arguments: { prompt } } };
    });
    return { name, fileBytes: sizes[a]!, jobs };
  });
  return { agents, words };
}

const TAG = /\[rush (a\d+-j\d+)\]/;
const PART = /Part (\d+) of (\d+) of the input/;
const COMBINE = /Combine them into one answer/;
const list = oneTokenWords;

/** What a request to the engines was for: its job's tag, and the part of its input, or a combining round. */
export function requestOf(text: string): { tag?: string; part?: number; parts?: number; combine: boolean } {
  const part = PART.exec(text);
  return {
    tag: TAG.exec(text)?.[1],
    ...(part && { part: Number(part[1]), parts: Number(part[2]) }),
    combine: COMBINE.test(text),
  };
}

const promptText = (ctx: { prompt?: string; messages?: unknown[] }) => ctx.prompt ?? JSON.stringify(ctx.messages ?? '');

/**
 * The engines' answers: a part's (60 words of a token each, × `scale`), a combined one (`FINAL-tag`, a digest of
 * what it read, 200 words × `scale`, `END-tag`), and a question's (`ANSWER-tag`, its seeded length, `END-tag`). A combination follows what it
 * combined, as a model's answer does (the same prompt, the same answer): answered alike whatever they read, a
 * later round's group of combined answers read word for word what an earlier round's did, and computedTwice
 * named it (issue 82: "a2-j3 combining", a combining round of four asked again though nothing was).
 */
export function rushReply(words: AnswerWords, scale = 1) {
  return (ctx: ReplyContext): string => {
    const text = promptText(ctx);
    const r = requestOf(text);
    if (!r.tag) return 'ok';
    if (r.combine) {
      const read = createHash('sha256').update(text).digest('hex').slice(0, 8);
      return `FINAL-${r.tag} read-${read} ${list(200 * scale, 'verdict')} END-${r.tag}`;
    }
    if (r.part !== undefined) return `PART-${r.tag}-${r.part} ${list(60 * scale, 'finding')}`;
    return `ANSWER-${r.tag} ${list(words.get(r.tag) ?? 150, 'word')} END-${r.tag}`;
  };
}

/**
 * Generations of the same model on the same prompt beyond the first, over every host: work done twice, each
 * named (`a3-j1 part 4 on llama3.1:8b`, and how many of them the client stopped before their end).
 */
export function computedTwice(gens: readonly GenerationRecord[]): string[] {
  const seen = new Map<string, { what: string; count: number; stopped: number }>();
  for (const g of gens) {
    const text = promptText(g);
    const r = requestOf(text);
    if (!r.tag) continue;
    const key = `${g.resolved}\0${g.system ?? ''}\0${text}`;
    const what = `${r.tag}${r.combine ? ' combining' : r.part !== undefined ? ` part ${r.part}` : ''} on ${g.resolved}`;
    const was = seen.get(key);
    seen.set(key, { what, count: (was?.count ?? 0) + 1, stopped: (was?.stopped ?? 0) + (g.aborted ? 1 : 0) });
  }
  return [...seen.values()].flatMap((v) =>
    Array<string>(v.count - 1).fill(`${v.what}${v.stopped ? ` (${v.stopped} of ${v.count} stopped midway)` : ''}`),
  );
}

/**
 * Whether `text`, the answer an agent read for `job`, is whole: the question's own answer from its first mark to
 * its last (a comparison: each model's), for a question over the log every part of it asked of the engines, and
 * nothing the engines were sent for it cut.
 */
export function isWhole(job: RushJob, text: string | undefined, gens: readonly GenerationRecord[]): boolean {
  if (text === undefined) return false;
  // nothing of the job's input cut or refused by an engine
  if (gens.some((g) => !g.fits && requestOf(promptText(g)).tag === job.tag)) return false;
  const end = text.split(`END-${job.tag}`).length - 1;
  if (job.kind === 'compare')
    return end >= MODELS.length && text.split(`ANSWER-${job.tag}`).length - 1 >= MODELS.length;
  if (job.kind === 'quick') return end >= 1 && text.includes(`ANSWER-${job.tag}`);
  if (end < 1 || !text.includes(`FINAL-${job.tag}`)) return false;
  const parts = new Set<number>();
  let total = 0;
  for (const g of gens) {
    const r = requestOf(promptText(g));
    if (r.tag !== job.tag || r.part === undefined || r.combine) continue;
    parts.add(r.part);
    total = Math.max(total, r.parts ?? 0);
  }
  return total > 0 && parts.size === total;
}
