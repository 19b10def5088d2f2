/** What a tool may read on the caller's behalf, and what came of reading it. */

/** Inputs named by reference: the server reads them, so the calling assistant never pastes them. */
export interface InputRequest {
  /** Paths or glob patterns, relative to the project folder or absolute inside an allowed root. */
  files?: readonly string[];
  /** Base64-encoded images, or paths to image files (same rules as files). */
  images?: readonly string[];
  /** The project's git diff. */
  diff?: DiffRequest;
}

export interface DiffRequest {
  /** Staged changes (`git diff --cached`) instead of the working tree's. */
  staged?: boolean;
  /** A commit or range, e.g. "main...HEAD" or "HEAD~3". */
  range?: string;
  /** Only these paths (relative to the project folder). */
  paths?: readonly string[];
}

/** Where reads may happen and how much, as plain data. */
export interface InputScope {
  /** Relative paths resolve here: the project folder in effect, else the server's working folder. */
  base: string;
  /** Folders reads may happen in (the base, the client's MCP roots, settings' inputs.roots), absolute; may be none. */
  roots: readonly string[];
  /** The working folder when it is too broad to be opened whole (not named by the user), and why: said in refusals. */
  closed?: { folder: string; why: string };
  /** Glob patterns of files read even though they look like secrets. */
  allow: readonly string[];
  maxFileBytes: number;
  maxImageBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

/** One text the model reads: a file, a diff. */
import type { InputDoc } from '../generation/input-doc.js';

/** One thing read: what the agent can check. */
export interface ReadEntry {
  /** As shown: relative to the project folder when inside it. */
  path: string;
  kind: 'text' | 'image' | 'diff';
  bytes: number;
  /** Estimated tokens of the text as the model reads it (images: 0 for the local model's count). */
  tokens: number;
  /** How text was decoded (utf-8, utf-16le, utf-16be); images: their format. */
  encoding: string;
}

/** A file a glob matched that was left out, and why. */
export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface GatheredInputs {
  docs: InputDoc[];
  /** Base64 images, in order. */
  images: string[];
  read: ReadEntry[];
  skipped: SkippedEntry[];
  /** Bytes read in all. */
  bytes: number;
  /** Estimated tokens of every doc. */
  tokens: number;
}

/** A refused or failed read: names the path and why, and what to do. */
export class InputError extends Error {
  override name = 'InputError';
}
