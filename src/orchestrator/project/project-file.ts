/**
 * Reading a project's `.ollm/project.yaml`: a regular file inside the project folder (a link
 * leading out, a FIFO or a device is refused, never opened or waited on), bounded in bytes and
 * time, checked key by key with messages that name the file, the key and what is allowed.
 */
import * as z from 'zod';
import { parseYaml } from '../util/yaml.js';
import { shortened } from '../util/shorten.js';
import { readRegularFile, SafeReadError } from '../util/safe-read.js';
import { PROFILE_NAMES } from '../config/profiles.js';
import { BUILTIN_NAMES, isBuiltinName } from './project-builtin.js';

export class ProjectError extends Error {
  override name = 'ProjectError';
}

const routingSchema = z.strictObject({ defaultProfile: z.enum(PROFILE_NAMES).optional() });
const toolsSchema = z.strictObject({
  enabled: z.array(z.string().min(1)).optional(),
  disabled: z.array(z.string().min(1)).optional(),
});
const fileSchema = z.strictObject({
  profile: z.string().trim().min(1).optional(),
  extends: z.enum(BUILTIN_NAMES).optional(),
  model: z.string().trim().min(1).optional(),
  systemPrompt: z.string().trim().min(1).optional(),
  routing: routingSchema.optional(),
  tools: toolsSchema.optional(),
});
export type ProjectFile = z.infer<typeof fileSchema>;

const KEYS: Record<string, string[]> = {
  '': Object.keys(fileSchema.shape),
  routing: Object.keys(routingSchema.shape),
  tools: Object.keys(toolsSchema.shape),
};

function describeIssue(issue: z.core.$ZodIssue, data: unknown, file: string): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = [...path, issue.keys[0]!].join('.');
    return `Project file ${file}: unknown key "${key}"; allowed here: ${(KEYS[path.join('.')] ?? []).join(', ')}.`;
  }
  let value = data;
  for (const k of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[k] : undefined;
  // a long value is cut: an error is a line
  const shown = value === undefined ? '' : ` = ${shortened(JSON.stringify(value) ?? String(value))}`;
  const allowed =
    issue.code === 'invalid_value'
      ? `expected one of ${issue.values.map(String).join(', ')}`
      : issue.message.replace(/^Invalid input: /, '');
  return `Project file ${file}: "${path.join('.')}"${shown} is not allowed; ${allowed}.`;
}

/** The largest project file read: a real one is under a few kB. */
const MAX_PROJECT_FILE_BYTES = 256_000;

/** What to do about a project file that was not read. */
const PROJECT_ADVICE: Partial<Record<SafeReadError['kind'], string>> = {
  special: 'replace it with a plain YAML file, or remove it',
  outside: 'copy the file into the project folder instead of linking to it',
  loop: 'remove the link, or replace it with the file itself',
  'too-large': 'a project file is a few lines of YAML: check that this is the right file',
  timeout: 'check the disk or network file system it is on',
};

/** The project file's text: a regular file inside the project folder (links resolved), bounded in bytes and time. */
async function readProjectText(file: string, root: string): Promise<string> {
  try {
    return (await readRegularFile(file, { within: root, maxBytes: MAX_PROJECT_FILE_BYTES })).data.toString('utf8');
  } catch (err) {
    if (!(err instanceof SafeReadError)) throw err;
    const advice = PROJECT_ADVICE[err.kind];
    throw new ProjectError(`Project file ${file} ${err.reason}${advice ? ` — ${advice}` : ''}.`.replace(/\.\.$/, '.'));
  }
}

export async function readProjectFile(file: string, root: string, toolNames: readonly string[]): Promise<ProjectFile> {
  const text = await readProjectText(file, root);
  const yaml = await parseYaml(text);
  if (!yaml.ok)
    throw new ProjectError(
      `Project file ${file}${yaml.line ? `:${yaml.line}` : ''} is not valid YAML: ${yaml.message}`,
    );
  const data = yaml.data;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    const kind = Array.isArray(data) ? 'list' : typeof data;
    throw new ProjectError(
      `Project file ${file} must hold a mapping of keys (like "profile: typescript"), not a ${kind}.`,
    );
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) throw new ProjectError(describeIssue(parsed.error.issues[0]!, data, file));
  const out = parsed.data;
  for (const key of ['enabled', 'disabled'] as const) {
    const bad = out.tools?.[key]?.find((t) => !toolNames.includes(t));
    if (bad !== undefined) {
      throw new ProjectError(
        `Project file ${file}: "tools.${key}" names unknown tool "${bad}"; allowed: ${toolNames.join(', ')}.`,
      );
    }
  }
  if (out.extends && isBuiltinName(out.profile) && out.profile !== out.extends) {
    throw new ProjectError(
      `Project file ${file}: "profile" is the built-in ${out.profile} but "extends" is ` +
        `${out.extends}; keep one, or give the profile a custom name.`,
    );
  }
  return out;
}
