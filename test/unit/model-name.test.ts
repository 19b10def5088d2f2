import { describe, expect, it } from 'vitest';
import { parseModelName } from '../../src/orchestrator/models/model-name.js';
import { quoted } from '../../src/orchestrator/util/shorten.js';

const FORM = '[host/][namespace/]name[:tag]';

describe('parseModelName: valid names', () => {
  const valid: Array<[string, { host: string; namespace: string; model: string; tag: string; display: string }]> = [
    [
      'llama3.2',
      {
        host: 'registry.ollama.ai',
        namespace: 'library',
        model: 'llama3.2',
        tag: 'latest',
        display: 'llama3.2:latest',
      },
    ],
    [
      'llama3.2:1b',
      { host: 'registry.ollama.ai', namespace: 'library', model: 'llama3.2', tag: '1b', display: 'llama3.2:1b' },
    ],
    [
      'library/llama3.2:latest',
      {
        host: 'registry.ollama.ai',
        namespace: 'library',
        model: 'llama3.2',
        tag: 'latest',
        display: 'llama3.2:latest',
      },
    ],
    [
      'hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M',
      {
        host: 'hf.co',
        namespace: 'bartowski',
        model: 'Llama-3.2-3B-Instruct-GGUF',
        tag: 'Q4_K_M',
        display: 'hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M',
      },
    ],
    [
      'registry.ollama.ai/library/mistral:7b',
      { host: 'registry.ollama.ai', namespace: 'library', model: 'mistral', tag: '7b', display: 'mistral:7b' },
    ],
    [
      'localhost:5000/me/model:v1',
      { host: 'localhost:5000', namespace: 'me', model: 'model', tag: 'v1', display: 'localhost:5000/me/model:v1' },
    ],
    [
      'localhost:5000/me/model',
      {
        host: 'localhost:5000',
        namespace: 'me',
        model: 'model',
        tag: 'latest',
        display: 'localhost:5000/me/model:latest',
      },
    ],
    [
      'user/model',
      { host: 'registry.ollama.ai', namespace: 'user', model: 'model', tag: 'latest', display: 'user/model:latest' },
    ],
    [
      'registry.ollama.ai/user/model:tag',
      { host: 'registry.ollama.ai', namespace: 'user', model: 'model', tag: 'tag', display: 'user/model:tag' },
    ],
    // case is kept; defaults are recognised case-insensitively, as Ollama's DisplayShortest does
    [
      'Registry.Ollama.AI/Library/Mistral:7B',
      { host: 'Registry.Ollama.AI', namespace: 'Library', model: 'Mistral', tag: '7B', display: 'Mistral:7B' },
    ],
    [
      '_private/_m:_t',
      { host: 'registry.ollama.ai', namespace: '_private', model: '_m', tag: '_t', display: '_private/_m:_t' },
    ],
    [
      'qwen2.5-coder:7b-instruct-q4_K_M',
      {
        host: 'registry.ollama.ai',
        namespace: 'library',
        model: 'qwen2.5-coder',
        tag: '7b-instruct-q4_K_M',
        display: 'qwen2.5-coder:7b-instruct-q4_K_M',
      },
    ],
    ['a', { host: 'registry.ollama.ai', namespace: 'library', model: 'a', tag: 'latest', display: 'a:latest' }],
    [
      'x'.repeat(80),
      {
        host: 'registry.ollama.ai',
        namespace: 'library',
        model: 'x'.repeat(80),
        tag: 'latest',
        display: `${'x'.repeat(80)}:latest`,
      },
    ],
    [
      'm:' + 't'.repeat(80),
      {
        host: 'registry.ollama.ai',
        namespace: 'library',
        model: 'm',
        tag: 't'.repeat(80),
        display: `m:${'t'.repeat(80)}`,
      },
    ],
    [
      `${'n'.repeat(80)}/m`,
      {
        host: 'registry.ollama.ai',
        namespace: 'n'.repeat(80),
        model: 'm',
        tag: 'latest',
        display: `${'n'.repeat(80)}/m:latest`,
      },
    ],
    [
      `${'h'.repeat(350)}/ns/m`,
      { host: 'h'.repeat(350), namespace: 'ns', model: 'm', tag: 'latest', display: `${'h'.repeat(350)}/ns/m:latest` },
    ],
  ];

  it.each(valid)('accepts %s', (input, expected) => {
    expect(parseModelName(input)).toEqual({ ok: true, name: expected });
  });
});

describe('parseModelName: invalid names', () => {
  // [input, substrings the error must contain]
  const invalid: Array<[string, string[]]> = [
    ['', ['the name is empty']],
    [' ', ['the name is empty']],
    [' llama3', ['leading or trailing whitespace']],
    ['llama3\n', ['leading or trailing whitespace']],
    ['a b', ['the model part "a b" may only contain letters, digits, "_", "-" and "."', 'a space']],
    [
      'llama 3',
      [
        '"llama 3" is not a valid model name: the model part "llama 3" may only contain letters, ' +
          'digits, "_", "-" and "."',
      ],
    ],
    ['model:', ['the tag part is empty']],
    [':tag', ['the model part is empty']],
    ['a//b', ['the namespace part is empty']],
    ['/model', ['the namespace part is empty']],
    ['ns/', ['the model part is empty']],
    ['/ns/model', ['the host part is empty']],
    ['x/y/z/w', ['4 "/"-separated parts', 'at most 3']],
    ['a/b/c/d/e:f', ['5 "/"-separated parts']],
    ['https://ollama.com/llama3', ['remove the "https://" prefix', 'not a URL']],
    ['http://registry.ollama.ai/library/llama3', ['remove the "http://" prefix']],
    ['model@sha256:abc', ['digest references', 'pull_model takes a name']],
    ['-model', ['the model part "-model" must start with a letter, digit or "_"', 'found "-"']],
    ['.hidden', ['the model part ".hidden" must start with a letter, digit or "_"']],
    ['model:-tag', ['the tag part "-tag" must start with a letter, digit or "_"']],
    ['model:.x', ['the tag part ".x" must start']],
    ['-ns/model', ['the namespace part "-ns" must start']],
    ['-host/ns/model', ['the host part "-host" must start']],
    [
      'my.org/model',
      [
        'the namespace part "my.org" may only contain letters, digits, "_" and "-"',
        'host must be followed by a namespace',
      ],
    ],
    ['hf.co/model', ['the namespace part "hf.co"', 'host/namespace/model']],
    ['localhost:5000/model', ['the namespace part "localhost:5000"', 'host must be followed by a namespace']],
    ['a:b:c', ['the model part "a:b"', 'found ":"']],
    ['model:v1/x', ['the namespace part "model:v1"']],
    ['host/ns/model:t@g', ['digest references']],
    ['mödel', ['the model part "mödel" may only contain', 'found "ö"']],
    ['model:t+q', ['the tag part "t+q"', 'found "+"']],
    ['host!/ns/model', ['the host part "host!" may only contain letters, digits, "_", "-", "." and ":"']],
    ['x'.repeat(81), ['the model part', 'is 81 characters long; at most 80 are allowed']],
    ['m:' + 't'.repeat(81), ['the tag part', 'is 81 characters long; at most 80']],
    [`${'n'.repeat(81)}/m`, ['the namespace part', 'is 81 characters long']],
    [`${'h'.repeat(351)}/ns/m`, ['the host part', 'is 351 characters long; at most 350']],
    ['user/skill/thing', ['"skill" segment', 'not a model']],
    ['host/user/agent/thing', ['"agent" segment', 'not a model']],
  ];

  it.each(invalid)('rejects %j', (input, fragments) => {
    const result = parseModelName(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const fragment of fragments) expect(result.error).toContain(fragment);
    expect(result.error).toContain(FORM);
    expect(result.error.startsWith(`${quoted(input)} is not a valid model name: `)).toBe(true);
  });

  it('gives the exact message for a space in the model part', () => {
    expect(parseModelName('llama 3')).toEqual({
      ok: false,
      error:
        '"llama 3" is not a valid model name: the model part "llama 3" may only contain letters, ' +
        'digits, "_", "-" and "." (found a space). ' +
        'Expected [host/][namespace/]name[:tag], e.g. "llama3.2", "llama3.2:1b" or "user/model:tag".',
    });
  });

  it('shortens very long values in messages: the first 50 and last 30 characters and the length', () => {
    const result = parseModelName('x'.repeat(500));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.error.startsWith(`"${'x'.repeat(50)}…${'x'.repeat(30)}" (500 characters) is not a valid model name: `),
    ).toBe(true);
    expect(result.error).not.toContain('x'.repeat(81));
    expect(result.error.length).toBeLessThan(500);
  });

  it('rejects non-string input without throwing', () => {
    expect(parseModelName(undefined as unknown as string).ok).toBe(false);
    expect(parseModelName(42 as unknown as string).ok).toBe(false);
  });
});
