/**
 * The start-up line that says the primary engine answers (issue 75, finding 11): Ollama's version
 * when this server plans it; when another ollm-mcp server of the user plans it (its engine claim),
 * that — never "Ollama ollm-mcp", the relay's name read as Ollama's version.
 */
export function greeting(engine: { kind: string; who: string }, version: string, host: string): string {
  if (engine.kind === 'ollm') return `Ollama at ${host} answers; its calls go through ${engine.who}`;
  return `Ollama ${version} answers at ${host}`;
}
