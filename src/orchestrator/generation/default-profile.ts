/**
 * When a default routing profile (a project's, or settings' model.routing.defaultProfile) applies.
 * It is a default for the project's own kind of work, not a verdict on every prompt: it applies
 * only to work inferred as general that could be of the profile's kind — for a code project, a
 * prompt that speaks of code, files, builds or tests — and never when the user preferred a model
 * for general work (prefer_model). "What is there to see in Lisbon?" asked from inside a
 * TypeScript checkout stays general work. Pure.
 */
import type { ProfileName } from '../config/profiles.js';

const CODE_WORDS =
  /\b(code|coding|functions?|methods?|class(?:es)?|modules?|files?|repo(?:sitory|sitories|s)?|projects?|codebase|builds?|compil(?:e|es|ed|er|ing)|tests?|bugs?|errors?|exceptions?|stack ?traces?|apis?|endpoints?|interfaces?|variables?|imports?|packages?|dependency|dependencies|scripts?|lint(?:er|ing)?|refactor(?:ing)?|commits?|branch(?:es)?|tags?|merges?|deploy(?:s|ment)?|config(?:uration)?|schemas?|quer(?:y|ies)|components?|librar(?:y|ies)|frameworks?|type ?check(?:ing)?|runtime|servers?|clients?|cli|flags?|regex(?:es)?|git|npm|typescript|javascript|python|rust|golang)\b/i;
/** An identifier or a path: camelCase, snake_case, a dotted name, a file with an extension, backticks. */
const CODE_SHAPES =
  /`[^`]+`|\b[a-z]+[A-Z][A-Za-z0-9]*\b|\b[a-z0-9]+_[a-z0-9_]+\b|\b[\w-]+\.(?:ts|tsx|js|jsx|mjs|py|rs|go|java|kt|rb|php|cs|cpp|c|h|json|ya?ml|toml|md|sh|sql)\b|(?:\.\/|\/)[\w.-]+\//;
const CREATIVE_WORDS =
  /\b(story|stories|poem|poetry|haiku|lyrics|song|slogan|tagline|blog|essay|character|scene|dialogue|draft|novel|fiction|limerick)\b/i;
const REASONING_WORDS =
  /\b(why|prove|proof|calculate|solve|estimate|plan|analy[sz]e|trade-?offs?|pros and cons|decide|logic)\b/i;

/** Whether a prompt inferred as general could be of `profile`'s kind. */
export function couldBe(profile: ProfileName, prompt: string): boolean {
  const head = prompt.length > 20_000 ? `${prompt.slice(0, 10_000)}\n${prompt.slice(-10_000)}` : prompt;
  switch (profile) {
    case 'code':
      return CODE_WORDS.test(head) || CODE_SHAPES.test(head);
    case 'creative':
      return CREATIVE_WORDS.test(head);
    case 'reasoning':
      return REASONING_WORDS.test(head);
    case 'fast':
      return (head.match(/\S+/g)?.length ?? 0) <= 12;
    default:
      return false; // vision needs images; general is no change
  }
}

export interface DefaultProfileFacts {
  defaultProfile: ProfileName;
  /** The work as asked or inferred. */
  task: string;
  /** The caller named the task, the profile, or sent images. */
  explicit: boolean;
  /** A model the user preferred for general work. */
  preferredGeneral: string | undefined;
  prompt: string;
}

/** The default profile to use instead of general, or undefined when the work stays as it is. */
export function defaultProfileFor(f: DefaultProfileFacts): ProfileName | undefined {
  if (f.explicit || f.task !== 'general' || f.defaultProfile === 'general') return undefined;
  if (f.preferredGeneral) return undefined;
  return couldBe(f.defaultProfile, f.prompt) ? f.defaultProfile : undefined;
}
