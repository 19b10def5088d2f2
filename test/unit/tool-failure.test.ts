import { describe, expect, it } from 'vitest';
import { failure } from '../../src/tools/tool-failure.js';

describe('a tool failure', () => {
  it('is an isError result carrying the text', () => {
    expect(failure('Ollama is not reachable.')).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'Ollama is not reachable.' }],
    });
  });

  it('never sends a client an error text of hundreds of kilobytes: it is cut, saying how much more the log has', () => {
    const huge = `Ollama failed: ${'x'.repeat(327_778)}`;
    const text = failure(huge).content[0]!.text;
    expect(text.length).toBeLessThan(4100);
    expect(text.startsWith('Ollama failed: xxx')).toBe(true);
    expect(text).toMatch(new RegExp(`… \\(${huge.length - 4000} more characters in the server's log\\)$`));
  });
});
