import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/orchestrator/util/yaml.js';

const SECRET = 'SECRET123';

// Each breaks the YAML right at the secret, where the parser's own message would quote the text.
const broken: Array<[string, string, RegExp]> = [
  [
    'an unclosed flow sequence',
    `name: x\ndescription: [${SECRET}\n`,
    /^Flow sequence in block collection must be sufficiently indented and end with a \] at line 3, column 1$/,
  ],
  [
    'a bad escape',
    `template: "bad \\q ${SECRET}"\n`,
    /^invalid escape sequence in a double-quoted string .* at line 1, column 16$/,
  ],
  ['an unresolved alias', `a: *${SECRET}\n`, /^Unresolved alias \(the anchor must be set before the alias\)$/],
  [
    'a block scalar header with extra text',
    `a: |${SECRET}\n  x\n`,
    /^Block scalar header includes extra characters at line 1, column 5$/,
  ],
  [
    'a nested mapping',
    `a: b: ${SECRET}\n`,
    /^Nested mappings are not allowed in compact mappings at line 1, column 4$/,
  ],
  ['duplicate keys', `"${SECRET}": 1\n"${SECRET}": 2\n`, /^Map keys must be unique at line 2, column 1$/],
  [
    'a reserved character',
    `a: @${SECRET}\n`,
    /^Plain value cannot start with reserved character @ at line 1, column 4$/,
  ],
  ['an unclosed quote', `a: "${SECRET}\n`, /^Missing closing "quote at line 2, column 1$/],
  ['a tab as indentation', `a:\n\t- ${SECRET}\n`, /^Tabs are not allowed as indentation at line 2, column 1$/],
];

describe('parseYaml', () => {
  it.each(broken)('%s: the reason and the position, no text of the file', async (_label, text, message) => {
    const r = await parseYaml(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(message);
    expect(r.message).not.toContain(SECRET);
    expect(r.message).not.toContain('\n');
    expect(r.message).not.toContain('^');
  });

  it('gives the line of a syntax error', async () => {
    const r = await parseYaml('a: 1\nb: [\n');
    expect(r).toMatchObject({ ok: false, line: 3 });
  });

  it('parses valid YAML, keeping a __proto__ key as an ordinary key', async () => {
    const r = await parseYaml('__proto__:\n  name: x\nother: 1\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const data = r.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__', 'other']);
  });
});
