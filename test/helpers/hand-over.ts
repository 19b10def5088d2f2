/**
 * Issue 62's end-to-end tests (hand-over-cost.test.ts, claude-code-background.slow.test.ts): a
 * call as an agent sees it — its text, its structured result, and the progress notifications
 * that arrived while it waited — and the answers the fake Ollama gives a log read in parts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { ReplyContext } from '../fake-ollama/server.js';
import { longLog } from './fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

/** A part's answer names its part; the combining round's answer is FINAL-ANSWER and words after it. */
export const PART_MARK = 'PART-ANSWER-';
export const FINAL_MARK = 'FINAL-ANSWER';

/**
 * The fake's answers: each part `PART-ANSWER-n` and `partWords` words, the combination `finalWords` words,
 * anything else `other`.
 */
export function splitReply(partWords: number, finalWords: number, other = 'QUICK-ANSWER') {
  return (ctx: ReplyContext): string => {
    const prompt = ctx.prompt ?? JSON.stringify(ctx.messages ?? '');
    if (/Combine them into one answer/.test(prompt)) return finalAnswer(finalWords);
    const part = /Part (\d+) of \d+ of the input/.exec(prompt)?.[1];
    return part ? `${PART_MARK}${part} ${oneTokenWords(partWords, PART_WORD)}` : other;
  };
}

/** What a part's answer says after its mark: words of a token each, `pwa pwb …`. */
export const PART_WORD = 'pw';

/** The combining round's answer of `finalWords` words of a token each, after FINAL_MARK. */
export const finalAnswer = (finalWords: number): string => `${FINAL_MARK} ${oneTokenWords(finalWords, 'verd')}`;

/** A project folder in `home` holding logs/app.log (~48 KB: 5 parts of qwen2.5:14b's 8k window). */
export function logProject(home: string): string {
  const project = join(home, 'project');
  mkdirSync(join(project, 'logs'), { recursive: true });
  writeFileSync(join(project, 'logs/app.log'), longLog(48_000));
  return project;
}

export interface JobState {
  id: string;
  state: string;
  partsDone: number;
  partsTotal?: number;
  step?: string;
  updatedAt: string;
  etaSeconds?: number;
}

export interface Answer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> & { job?: JobState; result?: Record<string, unknown> & { text?: string } };
  /** Progress notifications that arrived while the call waited, and how long it waited (s). */
  progress: string[];
  seconds: number;
}

/** Calls `name` with a progress token (an onprogress handler), the SDK's limit set to `timeoutMs`. */
export async function ask(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  timeoutMs = 60_000,
): Promise<Answer> {
  const progress: string[] = [];
  const t0 = performance.now();
  const res = await client.callTool(
    { name, arguments: args },
    { timeout: timeoutMs, onprogress: (p) => progress.push(p.message ?? '') },
  );
  const seconds = (performance.now() - t0) / 1000;
  const text = (res.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
  return {
    isError: res.isError === true,
    text,
    structured: (res.structuredContent ?? {}) as Answer['structured'],
    progress,
    seconds,
  };
}

/**
 * The fewest notifications a wait of `seconds` must have brought for no gap between them to exceed 10 s (the
 * first goes out at once).
 */
export const fewestNotifications = (seconds: number): number => Math.max(1, Math.floor(seconds / 10));

/** ollm://jobs/{id} as JSON. */
export async function jobResource(client: Client, id: string): Promise<Record<string, unknown>> {
  const res = await client.readResource({ uri: `ollm://jobs/${id}` });
  return JSON.parse((res.contents[0] as { text: string }).text) as Record<string, unknown>;
}

/**
 * Progress notifications that reached `client` after the answer to their request, as they come off
 * the wire (the SDK client runs notification handlers a microtask late, so its own "unknown token"
 * error also fires for a notification sent just before the answer). Its progress tokens are its
 * request ids.
 */
export function strayProgress(client: Client): { strays: string[]; progress: number } {
  const seen = { strays: [] as string[], progress: 0 };
  const answered = new Set<string>();
  const transport = client.transport!;
  const deliver = transport.onmessage!.bind(transport);
  transport.onmessage = ((message: Parameters<typeof deliver>[0], extra?: Parameters<typeof deliver>[1]) => {
    const m = message as {
      id?: unknown;
      method?: string;
      result?: unknown;
      error?: unknown;
      params?: { progressToken?: unknown };
    };
    if (m.id !== undefined && (m.result !== undefined || m.error !== undefined)) answered.add(String(m.id));
    if (m.method === 'notifications/progress') {
      seen.progress++;
      if (answered.has(String(m.params?.progressToken))) seen.strays.push(JSON.stringify(m));
    }
    deliver(message, extra);
  }) as typeof transport.onmessage;
  return seen;
}
