/**
 * What a model's own name says about it, as hints: "qwen3-coder:30b" is made for code,
 * "qwen3-vl:8b" sees images, "deepseek-r1:8b" reasons at length, "granite4:tiny-h" is small,
 * "gemma3n:e4b" runs like a 4B model. Pure and dependency-free; the model database weighs these
 * hints against what the host reports (model-db.ts). A hint is never proof on its own: a name can
 * say "mini" and the model still have 14B parameters.
 */

export interface NameWords {
  /** A code word: coder, code…, codestral, starcoder, devstral, codegemma, deepcoder… */
  code: boolean;
  /** A vision word: -vl, vision, llava, moondream, minicpm-v… */
  vision: boolean;
  /** A reasoning word: r1, reasoning, think…, magistral, qwq, o1/o3 (but not "nothink"). */
  reasoning: boolean;
  /** An embedding word: embed, embedding… */
  embedding: boolean;
  /**
   * A size word (tiny, mini, small, nano, smol, micro) or an effective size ("e2b"): the model is meant to be
   * small.
   */
  small: boolean;
  /** Parameters the name states ("8b", "270m", "1.7b", "8x7b", "e4b"), when it states them. */
  parameters?: number;
}

/** The model and tag of a name, without registry or namespace, lower case: "hf.co/x/Qwen3-8B:Q4" -> "qwen3-8b:q4". */
function ownName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.slice(lower.lastIndexOf('/') + 1);
}

/**
 * "qwen2.5-coder:7b-instruct" -> ["qwen2.5", "coder", "7b", "instruct"]; dots stay (they belong to versions
 * and sizes).
 */
function nameWordsOf(name: string): string[] {
  return ownName(name)
    .split(/[-_:/\s]+/)
    .filter((w) => w !== '');
}

// Words, or word beginnings, that name a code model. "coder" inside a word counts (starcoder,
// deepcoder, opencoder), except in "decoder" and "encoder".
const isCodeWord = (w: string) => /^cod(e|er|ing)|coder|^devstral/.test(w) && !/(de|en)coder/.test(w);
const isVisionWord = (w: string) => w === 'v' || /vl[\d.]*$/.test(w) || /vision|llava|^moondream|^minicpm-v/.test(w);
const isReasoningWord = (w: string) => /^(r1|o1|o3|qwq|magistral)|reason|think/.test(w) && !/^no-?think/.test(w);
const isEmbeddingWord = (w: string) => /embed/.test(w);
const isSizeWord = (w: string) => /^(tiny|mini|small|nano|smol|micro)/.test(w) || /^e\d+(\.\d+)?b$/.test(w);

const SCALE = { m: 1e6, b: 1e9, t: 1e12 } as const;

/**
 * "8b" -> 8e9, "270m" -> 2.7e8, "8x7b" -> 5.6e10, "e4b" -> 4e9; "a3b" (active parameters) and other words ->
 * undefined.
 */
function statedParameters(w: string): number | undefined {
  const m = /^(?:(\d+)x)?e?(\d+(?:\.\d+)?)([mbt])$/.exec(w);
  if (!m) return undefined;
  return (m[1] ? Number(m[1]) : 1) * Number(m[2]) * SCALE[m[3] as keyof typeof SCALE];
}

/** The hints in a model's name. */
export function nameWords(name: string): NameWords {
  const words = nameWordsOf(name);
  const hints: NameWords = {
    code: words.some(isCodeWord),
    vision: words.some(isVisionWord),
    // "no" before "think" ("qwen3-no-think") says the opposite
    reasoning: words.some((w, i) => isReasoningWord(w) && words[i - 1] !== 'no'),
    embedding: words.some(isEmbeddingWord),
    small: words.some(isSizeWord),
  };
  const stated = words.map(statedParameters).find((n) => n !== undefined);
  if (stated !== undefined) hints.parameters = stated;
  return hints;
}
