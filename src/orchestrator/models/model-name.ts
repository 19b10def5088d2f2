/**
 * Validation of Ollama model names as `ollama pull` / `POST /api/pull` accepts them, so a bad
 * name fails before any request with a message that names the offending part and the rule.
 *
 * Rules followed: Ollama's `types/model/name.go` (ParseNameBare, cutPromised, isValidPart,
 * isValidLen, DisplayShortest), current form with the `Kind` segment:
 *
 *   - Grammar `[host/][namespace/]model[:tag]`. The tag is split off at the LAST ":" only when it
 *     comes after the last "/" (so `localhost:5000/me/model` has a host port and no tag); the rest
 *     is split at "/" from the right: model, then namespace, then host.
 *   - A separator "promises" a part: `model:`, `:tag`, `a//b`, `/model`, `ns/` leave an empty part
 *     and are invalid (Ollama fills it with "!MISSING!", which never validates).
 *   - Defaults: host `registry.ollama.ai`, namespace `library`, tag `latest`.
 *   - Every part must START with an ASCII letter, digit or "_" (so "_" is allowed first; "-" and
 *     "." are not). Later characters:
 *       host       letters, digits, "_", "-", ".", ":"   length 1..350 (":" allows a port)
 *       namespace  letters, digits, "_", "-"             length 1..80  (no "."!)
 *       model      letters, digits, "_", "-", "."        length 1..80
 *       tag        letters, digits, "_", "-", "."        length 1..80
 *     Lengths are byte counts in Go; every accepted character is ASCII, so they equal string length.
 *   - Case is preserved: uppercase is valid. Ollama compares names case-insensitively (EqualFold),
 *     including when deciding whether host/namespace are the defaults for the short display form.
 *
 * Deliberate differences (stricter than Ollama, for clearer errors):
 *   - A "scheme://" prefix is rejected. Ollama strips it only from the host of a full 3-part name
 *     and otherwise fails with a generic "invalid model name".
 *   - A digest reference (`model@sha256:...`) is rejected with its own message; Ollama's current
 *     parser has no digest form for pulls and would reject it as an invalid model part anyway.
 *   - More than 3 "/"-separated parts are rejected. Newer Ollama also parses
 *     `[host/]namespace/<kind>/model` where kind is "skill", "agent" or "mcp"; those are not models,
 *     so a name Ollama would read that way (middle segment of 3 parts, or third of 4) is rejected
 *     with a message saying so.
 *   - Leading/trailing whitespace is not trimmed; it is reported (Ollama rejects it too).
 */
import { quoted } from '../util/shorten.js';

interface ParsedName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
  /** canonical short form as Ollama lists it: "llama3.2:latest", "user/model:tag", "host/ns/model:tag" */
  display: string;
}

export type NameCheck = { ok: true; name: ParsedName } | { ok: false; error: string };

const DEFAULT_HOST = 'registry.ollama.ai';
const DEFAULT_NAMESPACE = 'library';
const DEFAULT_TAG = 'latest';

/** Segments newer Ollama reads as a non-model "kind" (`ValidKinds` in name.go). */
const OLLAMA_KINDS = new Set(['skill', 'agent', 'mcp']);

const FORM = 'Expected [host/][namespace/]name[:tag], e.g. "llama3.2", "llama3.2:1b" or "user/model:tag".';

type PartKind = 'host' | 'namespace' | 'model' | 'tag';

interface PartRule {
  max: number;
  /** Characters allowed after the first one. */
  rest: RegExp;
  restText: string;
}

const RULES: Record<PartKind, PartRule> = {
  host: { max: 350, rest: /^[A-Za-z0-9_.:-]$/, restText: 'letters, digits, "_", "-", "." and ":"' },
  namespace: { max: 80, rest: /^[A-Za-z0-9_-]$/, restText: 'letters, digits, "_" and "-"' },
  model: { max: 80, rest: /^[A-Za-z0-9_.-]$/, restText: 'letters, digits, "_", "-" and "."' },
  tag: { max: 80, rest: /^[A-Za-z0-9_.-]$/, restText: 'letters, digits, "_", "-" and "."' },
};

const FIRST = /^[A-Za-z0-9_]$/;

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '\t') return 'a tab';
  if (c === '\n' || c === '\r') return 'a line break';
  if (/\s/.test(c)) return 'whitespace';
  return JSON.stringify(c);
}

function fail(input: string, reason: string): NameCheck {
  return { ok: false, error: `${quoted(input)} is not a valid model name: ${reason}. ${FORM}` };
}

/** Why `value` is not a valid `kind` part, or undefined when it is valid. */
function checkPart(kind: PartKind, value: string): string | undefined {
  const rule = RULES[kind];
  if (value === '') return `the ${kind} part is empty`;
  const chars = Array.from(value);
  const first = chars[0] ?? '';
  if (!FIRST.test(first)) {
    return `the ${kind} part ${quoted(value)} must start with a letter, digit or "_" (found ${describeChar(first)})`;
  }
  const bad = chars.slice(1).find((c) => !rule.rest.test(c));
  if (bad !== undefined) {
    return `the ${kind} part ${quoted(value)} may only contain ${rule.restText} (found ${describeChar(bad)})`;
  }
  if (value.length > rule.max) {
    return `the ${kind} part ${quoted(value)} is ${value.length} characters long; at most ${rule.max} are allowed`;
  }
  return undefined;
}

/** The short form Ollama's `DisplayShortest` prints (defaults compared case-insensitively). */
function displayOf(host: string, namespace: string, model: string, tag: string): string {
  if (host.toLowerCase() !== DEFAULT_HOST) return `${host}/${namespace}/${model}:${tag}`;
  if (namespace.toLowerCase() !== DEFAULT_NAMESPACE) return `${namespace}/${model}:${tag}`;
  return `${model}:${tag}`;
}

/**
 * Parse and validate a model name for pulling. Pure: no I/O. Missing host, namespace and tag are
 * filled with Ollama's defaults; the case of what was given is kept.
 */
export function parseModelName(input: string): NameCheck {
  if (typeof input !== 'string') {
    return {
      ok: false,
      error: `a model name must be a string, got ${input === null ? 'null' : typeof input}. ${FORM}`,
    };
  }
  if (input.trim() === '') return fail(input, 'the name is empty');
  if (input !== input.trim()) return fail(input, 'it has leading or trailing whitespace');

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(input);
  if (scheme) {
    return fail(input, `remove the "${scheme[1]}://" prefix; pull_model takes a model name, not a URL`);
  }
  if (input.includes('@')) {
    return fail(
      input,
      'digest references ("name@sha256:...") are not supported; pull_model takes a name such as "model:tag"',
    );
  }

  // Tag: after the last ":", only if that ":" follows the last "/" (a ":" before it is a host port).
  let rest = input;
  let tag: string | undefined;
  const colon = input.lastIndexOf(':');
  if (colon > input.lastIndexOf('/')) {
    rest = input.slice(0, colon);
    tag = input.slice(colon + 1);
    if (tag === '') return fail(input, 'the tag part is empty (nothing after ":")');
  }

  const segments = rest.split('/');
  if (segments.length > 3) {
    const kind = segments.length === 4 ? segments[2] : undefined;
    if (kind !== undefined && OLLAMA_KINDS.has(kind)) {
      return fail(input, `Ollama reads the "${kind}" segment as a ${kind} reference, which is not a model`);
    }
    return fail(input, `it has ${segments.length} "/"-separated parts; at most 3 (host, namespace, model) are allowed`);
  }
  if (segments.length === 3 && OLLAMA_KINDS.has(segments[1] ?? '')) {
    return fail(input, `Ollama reads the "${segments[1]}" segment as a ${segments[1]} reference, which is not a model`);
  }

  const model = segments[segments.length - 1] ?? '';
  const namespace = segments.length >= 2 ? (segments[segments.length - 2] ?? '') : undefined;
  const host = segments.length === 3 ? (segments[0] ?? '') : undefined;

  const checks: Array<[PartKind, string | undefined]> = [
    ['host', host],
    ['namespace', namespace],
    ['model', model],
    ['tag', tag],
  ];
  for (const [kind, value] of checks) {
    if (value === undefined) continue;
    const problem = checkPart(kind, value);
    if (problem === undefined) continue;
    if (kind === 'namespace' && host === undefined && /[.:]/.test(value)) {
      // "hf.co/model", "localhost:5000/model": looks like a host without a namespace.
      return fail(input, `${problem}; a registry host must be followed by a namespace (host/namespace/model)`);
    }
    return fail(input, problem);
  }

  const h = host ?? DEFAULT_HOST;
  const ns = namespace ?? DEFAULT_NAMESPACE;
  const t = tag ?? DEFAULT_TAG;
  return { ok: true, name: { host: h, namespace: ns, model, tag: t, display: displayOf(h, ns, model, t) } };
}
