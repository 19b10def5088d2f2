/**
 * The names MCP clients send as `clientInfo.name` — what `agents:` settings are keyed by, and what
 * a user must write there (Claude Desktop calls itself `claude-ai`, not "claude-desktop"). The
 * table holds the clients whose names are known; any other client's name is shown by show_status
 * and `ollm-mcp doctor` once it has connected.
 */
export const KNOWN_CLIENTS: ReadonlyArray<{ name: string; app: string; aliases: readonly string[] }> = [
  { name: 'claude-ai', app: 'Claude Desktop', aliases: ['Claude Desktop', 'claude', 'claude-app'] },
  { name: 'claude-code', app: 'Claude Code', aliases: ['Claude Code', 'claude-cli'] },
  { name: 'cursor-vscode', app: 'Cursor', aliases: ['cursor'] },
  {
    name: 'Visual Studio Code',
    app: 'VS Code (GitHub Copilot)',
    aliases: ['vscode', 'vs-code', 'copilot', 'github-copilot'],
  },
  { name: 'Visual Studio Code - Insiders', app: 'VS Code Insiders', aliases: ['vscode-insiders'] },
  { name: 'mcp-inspector', app: 'the MCP Inspector', aliases: ['inspector'] },
  { name: 'codex-mcp-client', app: 'OpenAI Codex CLI', aliases: ['codex', 'codex-cli'] },
];

/** Letters and digits only, lower-case: "Claude Desktop", "claude_desktop" and "claude-desktop" alike. */
const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface AgentNameProblem {
  /** The key under `agents:` that no client is known to send. */
  key: string;
  /** The client name it most likely means, and that client's app, when one matches. */
  meant?: { name: string; app: string };
}

/**
 * The `agents:` keys that apply to no client: neither a name some client has used here (`seen`),
 * nor a known client's name, nor an agent a token stands for (`tokens`: HTTP tokens name their
 * agent). Each with the client it most likely means: by its app's name ("claude-desktop" →
 * claude-ai), or by a name seen or known written with other case and punctuation ("Claude_Code").
 */
export function agentsThatApplyToNone(
  keys: readonly string[],
  seen: readonly string[],
  tokens: readonly string[],
): AgentNameProblem[] {
  const applies = new Set([...seen, ...tokens, ...KNOWN_CLIENTS.map((c) => c.name)]);
  return keys
    .filter((k) => !applies.has(k))
    .map((key) => {
      const meant = KNOWN_CLIENTS.find((c) => [c.name, ...c.aliases].some((a) => squash(a) === squash(key)));
      const seenLike = seen.find((s) => squash(s) === squash(key));
      return {
        key,
        ...(meant
          ? { meant: { name: meant.name, app: meant.app } }
          : seenLike
            ? { meant: { name: seenLike, app: 'a client seen here' } }
            : {}),
      };
    });
}
