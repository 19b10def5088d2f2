/**
 * The offloading skill says only what is true of the tools (issue 46): its front matter is the
 * Agent Skills format, every tool it names exists, every call it shows is one the tool accepts,
 * and every result field it tells the agent to read is in the result.
 */
import { PARAMETER_RULES } from '../../src/orchestrator/models/create-check.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILTIN_TEMPLATES } from '../../src/orchestrator/templates/index.js';
import { routeResultSchema } from '../../src/tools/route-and-generate.js';
import { TOOLS } from '../../src/tools/index.js';

const SKILLS = join(import.meta.dirname, '../../skills');
const text = readFileSync(join(SKILLS, 'offloading/SKILL.md'), 'utf8');

/** The front matter (YAML between the opening and closing `---` lines) and the body after it. */
function frontMatter(md: string): { meta: Record<string, unknown>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(md);
  if (!m) throw new Error('no front matter');
  return { meta: parse(m[1]!) as Record<string, unknown>, body: md.slice(m[0].length) };
}

/** The snake_case names in a text that are neither a tool nor a built-in template. */
function unknownNames(md: string, known: ReadonlySet<string>): string[] {
  return [...new Set([...md.matchAll(/\b[a-z]+(?:_[a-z]+)+\b/g)].map((m) => m[0]))].filter((n) => !known.has(n));
}

/** The tool calls shown in code blocks: lines `tool {json arguments}`. */
function shownCalls(md: string): Array<{ tool: string; args: string }> {
  const blocks = [...md.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  return blocks.flatMap((b) =>
    b.split('\n').flatMap((line) => {
      const m = /^([a-z_]+) (\{.*\})$/.exec(line.trim());
      return m ? [{ tool: m[1]!, args: m[2]! }] : [];
    }),
  );
}

/**
 * Why a shown call is wrong: an unknown tool, arguments that are not JSON, that the tool's schema refuses, or
 * that it does not know.
 */
function refusal(call: { tool: string; args: string }): string | undefined {
  const tool = TOOLS.find((t) => t.toolName === call.tool);
  if (!tool) return `${call.tool}: no such tool`;
  let args: unknown;
  try {
    args = JSON.parse(call.args);
  } catch {
    return `${call.tool}: the arguments are not JSON`;
  }
  // strict: the server drops an argument it does not know without a word, so a misspelt one in the skill would be lost
  const parsed = tool.inputSchema.strict().safeParse(args);
  return parsed.success
    ? undefined
    : `${call.tool}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
}

// tools, built-in templates, and the Ollama parameter names create_model takes
const KNOWN = new Set([
  ...TOOLS.map((t) => t.toolName),
  ...BUILTIN_TEMPLATES.map((t) => t.name),
  ...Object.keys(PARAMETER_RULES),
]);

describe('the offloading skill', () => {
  it('opens with the Agent Skills front matter: its folder name, and a description of what and when', () => {
    const { meta, body } = frontMatter(text);
    expect(meta.name).toBe('offloading');
    expect(String(meta.name)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(typeof meta.description).toBe('string');
    expect((meta.description as string).length).toBeGreaterThan(20);
    expect((meta.description as string).length).toBeLessThanOrEqual(1024);
    expect(body).toMatch(/^\s*# /);
  });

  it('names only tools that exist (and built-in templates)', () => {
    expect(unknownNames(text, KNOWN)).toEqual([]);
    for (const tool of ['route_and_generate', 'compare', 'rate_answer', 'prefer_model', 'render_template'])
      expect(text).toContain(tool);
  });

  it('shows only calls the tools accept', () => {
    const calls = shownCalls(text);
    expect(calls.length).toBeGreaterThanOrEqual(8);
    expect(calls.map(refusal).filter(Boolean)).toEqual([]);
    // the guidance it exists for is shown, not only told
    expect(calls.some((c) => c.tool === 'route_and_generate' && c.args.includes('"dryRun": true'))).toBe(true);
    expect(calls.some((c) => c.tool === 'route_and_generate' && c.args.includes('"format"'))).toBe(true);
    expect(calls.some((c) => c.tool === 'prefer_model' && c.args.includes('"comparisonId"'))).toBe(true);
  });

  it('tells the agent to read only fields a route_and_generate result has', () => {
    const section = text.slice(text.indexOf('## Reading the result'), text.indexOf('## Rate every answer'));
    const fields = [...section.matchAll(/`([a-zA-Z]+)`/g)]
      .map((m) => m[1]!)
      .filter(
        (f) =>
          !['structuredContent', 'format', 'verified', 'flagged', 'unchecked', 'why', 'length', 'maxTokens'].includes(
            f,
          ),
      );
    expect(fields.length).toBeGreaterThanOrEqual(8);
    expect(fields.filter((f) => !(f in routeResultSchema.shape))).toEqual([]);
    // and the dry run's
    expect(text).toContain('`advice`');
    expect(
      'advice' in routeResultSchema.shape && 'expectedSeconds' in routeResultSchema.shape.advice.unwrap().shape,
    ).toBe(true);
  });
});

describe('the checks themselves', () => {
  it('find a tool name that does not exist, and pass the ones that do', () => {
    expect(unknownNames('call rate_answers, then rate_answer or code_review', KNOWN)).toEqual(['rate_answers']);
  });

  it('refuse a call a tool would refuse: an unknown argument, a wrong type, a missing one, an unknown tool', () => {
    expect(refusal({ tool: 'route_and_generate', args: '{"prompt": "x", "file": ["a"]}' })).toMatch(
      /route_and_generate/,
    );
    expect(refusal({ tool: 'route_and_generate', args: '{"prompt": "x", "files": "a"}' })).toMatch(/files/);
    expect(refusal({ tool: 'rate_answer', args: '{"answerId": "x"}' })).toMatch(/verdict/);
    expect(refusal({ tool: 'rate_answers', args: '{}' })).toMatch(/no such tool/);
    expect(refusal({ tool: 'compare', args: '{"prompt": "x",}' })).toMatch(/not JSON/);
    expect(refusal({ tool: 'route_and_generate', args: '{"prompt": "x", "files": ["a"]}' })).toBeUndefined();
  });

  it('find the calls in code blocks only', () => {
    const md =
      'route_and_generate {"prompt": "prose"}\n```\nrate_answer {"answerId": "a", "verdict": ' +
      '"good"}\nnot a call\n```\n';
    expect(shownCalls(md)).toEqual([{ tool: 'rate_answer', args: '{"answerId": "a", "verdict": "good"}' }]);
  });
});
