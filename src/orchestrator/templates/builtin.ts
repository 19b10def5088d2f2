/** Templates that ship with ollm-mcp; a user file of the same name replaces one. */
import type { TemplateDef } from './definition.js';

export const BUILTIN_TEMPLATES: readonly TemplateDef[] = [
  {
    name: 'code_review',
    description: 'Review code for quality, focusing on bugs and security unless told otherwise.',
    template:
      'Review this {language} code, focusing on {focus}.\n' +
      'For each problem, quote the line or snippet, say why it matters, and give a concrete fix. ' +
      'Order findings by severity. If nothing needs changing, say so plainly.\n\n' +
      '```{language}\n{code}\n```',
    variables: [
      { name: 'language', required: true, description: 'Programming language of the code, e.g. TypeScript or Python.' },
      {
        name: 'focus',
        default: 'bugs and security',
        description: 'What to look for, e.g. "performance" or "readability".',
      },
      { name: 'code', required: true, description: 'The code to review.' },
    ],
  },
  {
    name: 'explain',
    description: 'Explain a concept, a piece of code or a passage of text to a given audience.',
    template:
      'Explain the following to {audience}.\n' +
      'Start with a one-sentence summary, then explain how it works step by step, ' +
      'and end with one common pitfall or misconception. Prefer plain words to jargon.\n\n' +
      '{topic}',
    variables: [
      { name: 'topic', required: true, description: 'The concept, code or text to explain.' },
      {
        name: 'audience',
        default: 'a developer new to this topic',
        description: 'Who the explanation is for, e.g. "a product manager".',
      },
    ],
  },
  {
    name: 'summarize',
    description: 'Summarize a text, keeping its key facts and decisions.',
    template:
      'Summarize the text below in {length}.\n' +
      'Keep the key facts, numbers, names and decisions; leave out filler. ' +
      'Do not add anything the text does not say.\n\n' +
      'Text:\n{text}',
    variables: [
      { name: 'text', required: true, description: 'The text to summarize.' },
      {
        name: 'length',
        default: 'a short paragraph',
        description: 'How long the summary should be, e.g. "three bullet points".',
      },
    ],
  },
  {
    name: 'commit_message',
    description: 'Write a git commit message for a diff.',
    template:
      'Write a git commit message for the diff below, following {style}.\n' +
      'Subject line: imperative mood, at most 72 characters, no trailing period. ' +
      'Then a blank line and a short body saying what changed and why, wrapped at 72 columns. ' +
      'Reply with the commit message only.\n\n' +
      '```diff\n{diff}\n```',
    variables: [
      { name: 'diff', required: true, description: 'The change, as output by git diff (staged or not).' },
      {
        name: 'style',
        default: 'Conventional Commits',
        description: 'Commit message convention, e.g. "the Linux kernel style".',
      },
    ],
  },
  {
    name: 'write_tests',
    description: 'Write unit tests for a piece of code.',
    template:
      'Write unit tests for this {language} code using {framework}.\n' +
      'Cover the normal cases, edge cases (empty input, boundaries, invalid values) and error handling. ' +
      'Each test checks one behaviour and has a descriptive name. Reply with the test code only, ' +
      'in one code block.\n\n' +
      '```{language}\n{code}\n```',
    variables: [
      { name: 'code', required: true, description: 'The code to test.' },
      { name: 'language', required: true, description: 'Programming language of the code, e.g. Go or Rust.' },
      {
        name: 'framework',
        default: 'the usual test framework for the language',
        description: 'Test framework to use, e.g. vitest or pytest.',
      },
    ],
  },
  {
    name: 'translate',
    description: 'Translate text into another language, keeping its tone and formatting.',
    template:
      'Translate the text below from {from} to {to}.\n' +
      'Keep the meaning, tone and formatting; leave code, URLs and names as they are. ' +
      'Reply with the translation only.\n\n' +
      '{text}',
    variables: [
      { name: 'text', required: true, description: 'The text to translate.' },
      { name: 'to', required: true, description: 'Language to translate into, e.g. French.' },
      {
        name: 'from',
        default: 'the source language',
        description: 'Language of the text, if it should not be guessed.',
      },
    ],
  },
];

const BUILTIN_NAMES = new Set(BUILTIN_TEMPLATES.map((t) => t.name));

export function isBuiltinTemplate(name: string): boolean {
  return BUILTIN_NAMES.has(name);
}
