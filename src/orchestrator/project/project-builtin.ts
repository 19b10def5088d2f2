/**
 * The built-in project profiles (seed 003, S07-T09): what a local model is told about the
 * project it is helping with, and which routing profile suits its everyday work.
 */
import type { ProfileName } from '../config/profiles.js';

export const BUILTIN_NAMES = ['typescript', 'python', 'rust', 'go', 'documentation'] as const;
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

export interface BuiltinProfile {
  name: BuiltinName;
  description: string;
  systemPrompt: string;
  routing: { defaultProfile?: ProfileName };
}

export const BUILTIN_PROFILES: Readonly<Record<BuiltinName, BuiltinProfile>> = {
  typescript: {
    name: 'typescript',
    description: 'TypeScript / JavaScript project',
    systemPrompt:
      'You are helping with a TypeScript / JavaScript project. Write idiomatic modern TypeScript ' +
      'with strict types (no `any`) and ES modules, ' +
      'and follow the conventions already used in the surrounding code.',
    routing: { defaultProfile: 'code' },
  },
  python: {
    name: 'python',
    description: 'Python project',
    systemPrompt:
      'You are helping with a Python project. Write idiomatic Python 3 that follows PEP 8, with ' +
      'type hints on public functions, ' +
      'and write tests with pytest.',
    routing: { defaultProfile: 'code' },
  },
  rust: {
    name: 'rust',
    description: 'Rust project',
    systemPrompt:
      'You are helping with a Rust project built with cargo. Write idiomatic Rust that respects ' +
      'ownership and borrowing, ' +
      'and return Result with meaningful errors rather than panicking or calling unwrap in library code.',
    routing: { defaultProfile: 'code' },
  },
  go: {
    name: 'go',
    description: 'Go project',
    systemPrompt:
      'You are helping with a Go project. Write idiomatic, gofmt-formatted Go that returns errors ' +
      'instead of panicking, ' +
      'keeps interfaces small, and is tested with go test.',
    routing: { defaultProfile: 'code' },
  },
  documentation: {
    name: 'documentation',
    description: 'Documentation project',
    systemPrompt:
      'You are helping with a documentation project. Write clear, concise Markdown prose for the intended reader, ' +
      'with accurate headings, lists and code blocks, and keep the tone and terminology ' +
      'consistent with the existing pages.',
    routing: { defaultProfile: 'general' },
  },
};

export function isBuiltinName(name: string | undefined): name is BuiltinName {
  return name !== undefined && (BUILTIN_NAMES as readonly string[]).includes(name);
}

/** Marker files, strongest first within one folder: the first one present decides the project type. */
export const MARKERS: ReadonlyArray<{ file: string; profile: BuiltinName }> = [
  { file: 'Cargo.toml', profile: 'rust' },
  { file: 'go.mod', profile: 'go' },
  { file: 'tsconfig.json', profile: 'typescript' },
  { file: 'package.json', profile: 'typescript' },
  { file: 'pyproject.toml', profile: 'python' },
  { file: 'setup.py', profile: 'python' },
  { file: 'setup.cfg', profile: 'python' },
  { file: 'requirements.txt', profile: 'python' },
  { file: 'Pipfile', profile: 'python' },
  { file: 'mkdocs.yml', profile: 'documentation' },
  { file: 'docusaurus.config.js', profile: 'documentation' },
  { file: 'docusaurus.config.ts', profile: 'documentation' },
  { file: 'book.toml', profile: 'documentation' },
  { file: 'conf.py', profile: 'documentation' },
];

/** Prose files that make a marker-less folder a documentation project. */
export const DOC_EXTENSIONS = ['.md', '.mdx', '.rst'];
