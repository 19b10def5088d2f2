/**
 * The headers of a request this adapter sends itself (a generation; the official client sends the
 * rest): JSON both ways, who is asking, and — as the client does — OLLAMA_API_KEY as the bearer
 * token for ollama.com itself over HTTPS, never for any other host.
 */
const USER_AGENT = `ollm-mcp (${process.platform} ${process.arch} Node.js/${process.version})`;

export function clientHeaders(url: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'User-Agent': USER_AGENT,
  };
  const key = process.env.OLLAMA_API_KEY;
  const { protocol, hostname } = new URL(url);
  if (key && protocol === 'https:' && hostname === 'ollama.com') headers.Authorization = `Bearer ${key}`;
  return headers;
}
