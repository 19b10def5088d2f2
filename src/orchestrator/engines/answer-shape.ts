/**
 * The shape an answer must take: any JSON, or JSON matching this JSON Schema (checked and bounded
 * before it gets here: generation/answer-format.ts). Each adapter sends it in its engine's own form.
 */
export type AnswerFormat = 'json' | { [key: string]: unknown };
