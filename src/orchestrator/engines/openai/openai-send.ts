/**
 * How requests reach an OpenAI-compatible engine: through the project's node:http fetch
 * (keep-alive, no 300 s header limit, a streamed body; an aborted signal destroys the request, so
 * the engine sees the client go), with the API key read from the environment variable named by
 * `apiKeyEnv` at each call (so a key set or rotated later is used) and sent as
 * `Authorization: Bearer`; it never appears in a message. A request whose kept-alive connection
 * was reset before any answer is sent a second time.
 */
import { connectionFailure } from './openai-errors.js';

export class EngineRequests {
  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly apiKeyEnv: string | undefined,
  ) {}

  /** The API key, read now. */
  key(): string | undefined {
    // OLLM_API_KEY: the key Claude Desktop keeps in the keychain for the bundle, standing in for the variable named
    return (this.apiKeyEnv && (process.env[this.apiKeyEnv]?.trim() || process.env.OLLM_API_KEY?.trim())) || undefined;
  }

  /**
   * A GET, tried a second time when the connection was reset before any answer: a kept-alive
   * connection the engine closed (its idle timeout, or a restart) fails the first request sent on it.
   */
  get(url: string, signal: AbortSignal): Promise<Response> {
    return this.send(url, { method: 'GET', headers: this.headers(), signal });
  }

  /**
   * A JSON POST whose answer may stream, sent again as a GET is: llama-server closes a kept-alive
   * connection after a stream without saying, and the reset comes before any answer, so never seen.
   */
  post(url: string, body: unknown, signal: AbortSignal): Promise<Response> {
    const headers = {
      ...this.headers('text/event-stream, application/json'),
      'content-type': 'application/json',
    };
    return this.send(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
  }

  private async send(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
    try {
      return await this.fetchImpl(url, init);
    } catch (err) {
      if (init.signal.aborted || connectionFailure(err) !== 'connection reset') throw err;
      return this.fetchImpl(url, init);
    }
  }

  private headers(accept = 'application/json'): Record<string, string> {
    const key = this.key();
    return { accept, ...(key && { authorization: `Bearer ${key}` }) };
  }
}
