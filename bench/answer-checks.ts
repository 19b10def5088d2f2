/**
 * Answer checks benchmark (issue 32): the checks every answer goes through before it is handed
 * back must cost nothing next to the generation. Times degenerate() on a 10,000-token (~40,000
 * characters) normal answer, on a looping one, and on one that stopped by itself quoting a line its
 * 10,000-token input repeats (issue 42: the input is searched for the line; with a 1 MB input the
 * figure is shown too, without a goal: that search is linear in the input), on a looping one checked
 * against a 10,000-token input and on one that ran to the limit echoing a 20,000-token input's
 * repeated passage (issue 54: the input searched for the unit repeated), and — when src/orchestrator/inputs/citations.ts
 * is there — checkCitations() on a 10,000-token answer with 100 citations over 50 files of 2,000
 * lines; and the check of a `format` whose pattern, ^(a+)+$, a backtracking engine takes days over
 * against a near match (issue 55): 40 characters, and 100,000 (that figure without a goal: linear).
 * Each figure is the median of 200 runs after a warm-up. Then a format's `uniqueItems` over a list
 * of 100,000 objects (issue 81, finding 7: the test counts its reads, this times it): median of 5.
 * Goals: degenerate() ≤ 1 ms per answer; the citation check ≤ 5 ms; the pattern check ≤ 1 ms; the
 * list checked within the check's own limit (MAX_CHECK_MS, 1 s: past it an answer is set aside unchecked).
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { estimateTokens } from '../src/orchestrator/generation/classify.js';
import { degenerate } from '../src/orchestrator/generation/degenerate.js';
import { prepareFormat } from '../src/orchestrator/generation/answer-format.js';
import { compileSchema, MAX_CHECK_MS } from '../src/orchestrator/generation/schema-check.js';

export const DEGENERATE_GOAL_MS = 1;
export const CITATIONS_GOAL_MS = 5;
export const PATTERN_GOAL_MS = 1;
const RUNS = 200;
const WARMUP = 50;
/** A 10,000-token answer, as estimateTokens() counts (about 40,000 characters of prose). */
const ANSWER_TOKENS = 10_000;

/** The part of src/orchestrator/inputs/citations.ts this benchmark uses (the module may be absent). */
interface CitationsModule {
  checkCitations(
    answer: string,
    read: ReadonlyArray<{ label: string; text: string }>,
  ): { verified: number; flagged: number };
}

/** Median milliseconds of `runs` calls of `f`, after `warmup` calls. */
function medianMs(f: () => unknown, runs = RUNS, warmup = WARMUP): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1]!;
}

const WORDS = (
  'the model reads each file and writes a short summary of what it found in every part of the ' +
  'code base while keeping its notes brief'
).split(' ');

/** A varied prose answer of at least `chars` characters: sentences and paragraphs that do not repeat. */
function normalAnswer(chars: number): string {
  let out = '';
  for (let i = 0; out.length < chars; i++) {
    const n = 8 + (i % 13);
    const sentence = Array.from({ length: n }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');
    out += `${sentence[0]!.toUpperCase()}${sentence.slice(1)} (step ${i}).${i % 5 === 4 ? '\n\n' : ' '}`;
  }
  return out.trim();
}

/** `make(chars)` with chars chosen so that the text is about `tokens` tokens as estimateTokens() counts. */
function sized(make: (chars: number) => string, tokens: number): string {
  const probe = make(4 * tokens);
  return make(Math.round((probe.length * tokens) / estimateTokens(probe)));
}

/** A looping answer of at least `chars` characters: one sentence, then another repeated to the end. */
function loopingAnswer(chars: number): string {
  const unit = 'I am a cat and I like to sleep in the sun. ';
  return `Here is the answer you asked for. ${unit.repeat(Math.ceil(chars / unit.length))}`.trim();
}

const fmt = (ms: number) => (ms < 0.1 ? ms.toFixed(3) : ms.toFixed(2));
const thousands = (n: number) => n.toLocaleString('en-US');

function goalLine(what: string, ms: number, goal: number): { ok: boolean; line: string } {
  const ok = ms <= goal;
  return { ok, line: `answer checks: ${what}: median ${fmt(ms)} ms (goal ≤ ${goal} ms) ${ok ? 'OK' : 'MISSED'}` };
}

/** A log of at least `chars` characters whose lines differ but all hold one error. */
function repeatingLog(chars: number): string {
  let out = '';
  for (let i = 0; out.length < chars; i++)
    out +=
      `2024-05-01 10:${String(i % 60).padStart(2, '0')}:${String(i % 57).padStart(2, '0')} ` +
      `worker-${i % 7} ERROR db: connection refused (attempt ${i})\n`;
  return out;
}

/** An answer of at least `chars` characters quoting that error line over and over. */
function quotingAnswer(chars: number): string {
  const line = 'ERROR db: connection refused\n';
  return `The log holds one error, again and again:\n${line.repeat(Math.ceil(chars / line.length))}`;
}

function benchDegenerate(): { ok: boolean; lines: string[] } {
  const ask = 'Summarise the log.';
  const given = (input: string) => ({ doneReason: 'stop', given: { texts: [ask, input], ask } });
  const cases = [
    {
      name: 'normal',
      text: sized(normalAnswer, ANSWER_TOKENS),
      end: { doneReason: 'length' },
      expect: undefined,
      goal: true,
    },
    {
      name: 'looping',
      text: sized(loopingAnswer, ANSWER_TOKENS),
      end: { doneReason: 'length' },
      expect: 'loop',
      goal: true,
    },
    // as routes check it: with what was sent, searched for the loop's unit repeated (issue 54)
    {
      name: 'looping',
      text: sized(loopingAnswer, ANSWER_TOKENS),
      end: { ...given(sized(repeatingLog, ANSWER_TOKENS)), doneReason: 'length' },
      input: ANSWER_TOKENS,
      expect: 'loop',
      goal: true,
    },
    {
      name: 'echoing',
      text: sized(loopingAnswer, ANSWER_TOKENS),
      end: { ...given(`Repeat this text: ${sized(loopingAnswer, 2 * ANSWER_TOKENS)}`), doneReason: 'length' },
      input: 2 * ANSWER_TOKENS,
      expect: undefined,
      goal: true,
    },
    {
      name: 'quoting',
      text: sized(quotingAnswer, ANSWER_TOKENS),
      end: given(sized(repeatingLog, ANSWER_TOKENS)),
      input: ANSWER_TOKENS,
      expect: undefined,
      goal: true,
    },
    {
      name: 'quoting',
      text: sized(quotingAnswer, ANSWER_TOKENS),
      end: given(repeatingLog(1_000_000)),
      input: 0,
      expect: undefined,
      goal: false,
    },
  ];
  let ok = true;
  const lines: string[] = [];
  for (const c of cases) {
    const got = degenerate(c.text, c.end)?.kind;
    if (got !== c.expect) {
      ok = false;
      lines.push(
        `answer checks: degenerate() on the ${c.name} answer said ${got ?? 'not degenerate'}, ` +
          `expected ${c.expect ?? 'not degenerate'} MISSED`,
      );
    }
    const ms = medianMs(() => degenerate(c.text, c.end));
    const tokens = thousands(Math.round(estimateTokens(c.text) / 1000) * 1000);
    const input =
      c.input === undefined ? '' : c.input > 0 ? ` of a ${thousands(c.input)}-token input` : ' of a 1 MB input';
    const what = `degenerate() on a ${tokens}-token ${c.name} answer${input} (${thousands(c.text.length)} characters)`;
    if (!c.goal) {
      lines.push(`answer checks: ${what}: median ${fmt(ms)} ms (no goal: linear in the input)`);
      continue;
    }
    const r = goalLine(what, ms, DEGENERATE_GOAL_MS);
    ok &&= r.ok;
    lines.push(r.line);
  }
  return { ok, lines };
}

/** 50 files of 2,000 lines, and a 10,000-token answer citing them 100 times, each with a correct quote. */
function citationCase(): { answer: string; read: Array<{ label: string; text: string }> } {
  const read = Array.from({ length: 50 }, (_, f) => ({
    label: `src/module${f}/file${f}.ts`,
    text:
      Array.from({ length: 2000 }, (_, l) => `export const value${f}_${l + 1} = compute(${l + 1}, 'file ${f}');`).join(
        '\n',
      ) + '\n',
  }));
  const cite = (c: number) => {
    const f = c % 50;
    const line = 1 + ((c * 37) % 1990);
    return `See src/module${f}/file${f}.ts:${line}-${line + 2} \`value${f}_${line + 1} = compute(${line + 1}\`.`;
  };
  const citeTokens = estimateTokens(Array.from({ length: 100 }, (_, c) => cite(c)).join(' '));
  const filler = sized(normalAnswer, ANSWER_TOKENS - citeTokens).split(/(?<=\.) /);
  const parts: string[] = [];
  const every = Math.floor(filler.length / 100);
  for (let i = 0, c = 0; i < filler.length; i++) {
    parts.push(filler[i]!);
    if (c < 100 && i % every === every - 1) parts.push(cite(c++));
  }
  return { answer: parts.join(' '), read };
}

async function benchCitations(): Promise<{ ok: boolean; lines: string[] }> {
  const file = new URL('../src/orchestrator/inputs/citations.ts', import.meta.url);
  if (!existsSync(file)) {
    return {
      ok: true,
      lines: ['answer checks: checkCitations() skipped: src/orchestrator/inputs/citations.ts is not there'],
    };
  }
  const specifier = '../src/orchestrator/inputs/citations.js'; // a variable: type-checks whether or not the file exists
  const mod = (await import(specifier)) as CitationsModule;
  const { answer, read } = citationCase();
  const report = mod.checkCitations(answer, read);
  const lines: string[] = [];
  let ok = true;
  if (report.verified !== 100 || report.flagged !== 0) {
    ok = false;
    lines.push(
      `answer checks: checkCitations() verified ${report.verified} and flagged ${report.flagged} ` +
        `of the 100 correct citations MISSED`,
    );
  }
  const ms = medianMs(() => mod.checkCitations(answer, read));
  const tokens = thousands(Math.round(estimateTokens(answer) / 1000) * 1000);
  const r = goalLine(
    `checkCitations() on a ${tokens}-token answer with 100 citations over 50 files of 2,000 lines`,
    ms,
    CITATIONS_GOAL_MS,
  );
  return { ok: ok && r.ok, lines: [...lines, r.line] };
}

/** A format's evil pattern against near matches: judged (refused) in time linear in the answer. */
async function benchPattern(): Promise<{ ok: boolean; lines: string[] }> {
  const EVIL = '^(a+)+$';
  const format = await prepareFormat({ type: 'string', pattern: EVIL });
  const lines: string[] = [];
  let ok = true;
  for (const chars of [40, 100_000]) {
    const answer = JSON.stringify(`${'a'.repeat(chars)}!`);
    const verdict = format.check(answer);
    if (verdict.ok) {
      ok = false;
      lines.push(`answer checks: the pattern ${EVIL} took a near match of ${thousands(chars)} characters MISSED`);
    }
    const ms = medianMs(() => format.check(answer));
    const what =
      `a format's pattern ${EVIL} against a near match of ${thousands(chars)} characters ` +
      `(2^${chars} ways for a backtracking engine)`;
    if (chars > 40) {
      lines.push(`answer checks: ${what}: median ${fmt(ms)} ms (no goal: linear in the answer)`);
      continue;
    }
    const r = goalLine(what, ms, PATTERN_GOAL_MS);
    ok &&= r.ok;
    lines.push(r.line);
  }
  return { ok, lines };
}

/** `uniqueItems` over 100,000 distinct objects, and with a duplicate at the end: found, within the check's limit. */
function benchUniqueItems(): { ok: boolean; lines: string[] } {
  const c = compileSchema({ type: 'array', uniqueItems: true });
  if ('error' in c) return { ok: false, lines: [`answer checks: uniqueItems does not compile: ${c.error} MISSED`] };
  const many = Array.from({ length: 100_000 }, (_, i) => ({ id: i, tags: [`t${i}`] }));
  const dup = [...many, { tags: ['t7'], id: 7 }];
  const held = c.problems(many) === undefined && Array.isArray(c.problems(dup));
  const ms = Math.max(
    medianMs(() => c.problems(many), 5, 1),
    medianMs(() => c.problems(dup), 5, 1),
  );
  const r = goalLine('uniqueItems over 100,000 objects (comparing every pair: some 8 min)', ms, MAX_CHECK_MS);
  if (!held) return { ok: false, lines: [`${r.line}; the duplicate not found, or the check cut short MISSED`] };
  return { ok: r.ok, lines: [r.line] };
}

export async function benchAnswerChecks(): Promise<{ ok: boolean; lines: string[] }> {
  const a = benchDegenerate();
  const b = await benchCitations();
  const c = await benchPattern();
  const d = benchUniqueItems();
  return { ok: a.ok && b.ok && c.ok && d.ok, lines: [...a.lines, ...b.lines, ...c.lines, ...d.lines] };
}
