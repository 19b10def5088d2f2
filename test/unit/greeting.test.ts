/**
 * The start-up line (issue 75, finding 11): Ollama's version when this server plans it, the planning server
 * when another does.
 */
import { describe, expect, it } from 'vitest';
import { greeting } from '../../src/server/greeting.js';

describe('greeting', () => {
  it('planned here: Ollama and its version', () => {
    expect(greeting({ kind: 'ollama', who: 'Ollama at 127.0.0.1:11434' }, '0.13.0', '127.0.0.1:11434')).toBe(
      'Ollama 0.13.0 answers at 127.0.0.1:11434',
    );
  });

  it('planned by another server of the user: that server, never "Ollama ollm-mcp"', () => {
    const who = 'the ollm-mcp server planning Ollama at 127.0.0.1:11434 (process 4242)';
    const line = greeting({ kind: 'ollm', who }, 'ollm-mcp', '127.0.0.1:11434');
    expect(line).toBe(`Ollama at 127.0.0.1:11434 answers; its calls go through ${who}`);
    expect(line).not.toMatch(/Ollama ollm-mcp/);
  });
});
