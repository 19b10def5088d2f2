/**
 * Turns every form users write for OLLAMA_HOST into a URL we can connect to.
 *
 * The rules follow Ollama's own reading of OLLAMA_HOST (the server binds with the same
 * variable, so we must read it the same way): no scheme means http and port 11434; an explicit
 * http:// or https:// without a port means 80 or 443. Bind-all addresses (0.0.0.0, ::) are
 * where a server listens, not where a client connects: they become loopback. `localhost`
 * becomes 127.0.0.1, where Ollama listens by default, so an IPv6-first resolver cannot miss it.
 * A user name and password in the address are refused, and no message repeats them (issue 80, finding 7).
 * A path ending in `/v1` (copied from OpenAI-compatible docs) or `/api` is dropped: Ollama's API is at
 * `/api/…` of its address itself, so such an address never reaches it (issue 83, finding 1); the
 * settings say so (apiPathDropped, config/address-notes.ts). Any other path (a proxy's prefix) is kept.
 */
import { redactAddress } from '../util/redact-secrets.js';

const DEFAULT_OLLAMA_PORT = 11434;
export const DEFAULT_OLLAMA_URL = `http://127.0.0.1:${DEFAULT_OLLAMA_PORT}`;

export class HostFormatError extends Error {}

export function normalizeOllamaHost(input: string): string {
  return withPath(input).replace(API_PATH, '');
}

/** The path a trailing `/v1` or `/api` of an Ollama address: the part normalizeOllamaHost drops. */
const API_PATH = /\/(v1|api)$/i;

/** The segment normalizeOllamaHost drops from `input` ("/v1", "/api"); undefined when it drops none. */
export function apiPathDropped(input: string): string | undefined {
  try {
    return API_PATH.exec(withPath(input))?.[0];
  } catch {
    return undefined;
  }
}

/** The address as written, normalised, its path kept (but its trailing slashes). */
function withPath(input: string): string {
  const shown = redactAddress(input);
  let s = input.trim();
  if (s === '') return DEFAULT_OLLAMA_URL;

  let scheme = 'http';
  let defaultPort = String(DEFAULT_OLLAMA_PORT);
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (schemeMatch) {
    scheme = schemeMatch[1]!.toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') {
      throw new HostFormatError(`unsupported scheme "${scheme}://" (use http:// or https://)`);
    }
    defaultPort = scheme === 'https' ? '443' : '80';
    s = s.slice(schemeMatch[0].length);
  }

  const slash = s.indexOf('/');
  let path = slash >= 0 ? s.slice(slash) : '';
  const hostport = slash >= 0 ? s.slice(0, slash) : s;
  path = path.replace(/\/+$/, '');
  if (hostport.includes('@')) {
    throw new HostFormatError(
      `"${shown}" holds a user name or password (before "@"), which ollm-mcp never sends to Ollama: remove it — ` +
        'an engine that needs a key goes under hosts (kind openai, llamacpp or ollm), with tokenEnv naming the ' +
        'variable that holds the key',
    );
  }

  let host: string;
  let port: string;
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostport);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] || defaultPort;
  } else if ((hostport.match(/:/g) ?? []).length > 1) {
    host = hostport; // bare IPv6 address without brackets and therefore without a port
    port = defaultPort;
  } else {
    const colon = hostport.lastIndexOf(':');
    host = colon >= 0 ? hostport.slice(0, colon) : hostport;
    port = colon >= 0 ? hostport.slice(colon + 1) || defaultPort : defaultPort;
  }

  if (!/^\d+$/.test(port) || Number(port) > 65535) {
    throw new HostFormatError(`"${shown}" has an invalid port "${port}"`);
  }
  if (host === '' || host === '0.0.0.0' || host.toLowerCase() === 'localhost') host = '127.0.0.1';
  if (host === '::' || host === '0:0:0:0:0:0:0:0') host = '::1';
  if (/[\s@?#]/.test(host)) throw new HostFormatError(`"${shown}" is not a host name`);

  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${Number(port)}${path}`;
}

/** "http://127.0.0.1:11434" -> "127.0.0.1:11434", for messages (a user name and password as `[redacted]`). */
export function displayHost(url: string): string {
  return redactAddress(url).replace(/^https?:\/\//, '');
}
