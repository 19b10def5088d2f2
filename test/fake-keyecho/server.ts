/**
 * A server (or a proxy in front of one) that refuses every request with 401 and quotes what it was
 * sent — as some reverse proxies, auth gateways and debug builds do: the Authorization header
 * (raw and in a JSON dump of the headers) and the key it carried. Its body is the error shape the
 * engines share, `{"error": "…"}` (Ollama's, llama-server's string form, vLLM's and LM Studio's),
 * so every adapter reads it as the engine's own error text. Only node:http; nothing on stdout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeyEchoOptions {
  /**
   * A gateway's own credential, sent upstream in place of the caller's and quoted in its refusal
   * (only the header: the gateway does not say the key apart from it). Default: none.
   */
  ownKey?: string;
  /** The refusal's status (default 401; a gateway may say 403). */
  status?: number;
  /**
   * A proxy in front of this server: requests are passed on to it, but for those `refuse` picks (default: all
   * refused).
   */
  upstream?: string;
  refuse?: (method: string, path: string) => boolean;
}

export class FakeKeyEcho {
  /** The Authorization headers received, in order. */
  readonly seen: string[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  /** host:port, for OLLAMA_HOST. */
  get host(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  static async start(options: KeyEchoOptions = {}): Promise<FakeKeyEcho> {
    let fake: FakeKeyEcho | undefined;
    const server = http.createServer((req, res) => {
      const refused =
        !options.upstream || (options.refuse?.(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!) ?? true);
      if (!refused) return passOn(options.upstream!, req, res);
      req.resume();
      req.on('end', () => {
        const sent = req.headers.authorization ?? '';
        fake!.seen.push(sent);
        const auth = options.ownKey ? `Bearer ${options.ownKey}` : sent;
        const key = auth.replace(/^\S+\s+/, '');
        const said = options.ownKey
          ? `Unauthorized: upstream refused {"authorization":"${auth}"}; Authorization: ${auth}`
          : `Unauthorized: request headers ` +
            `{"authorization":"${auth}","accept":"${req.headers.accept ?? ''}"}; Authorization: ` +
            `${auth}; the key ${key} is not valid (url-encoded: ${encodeURIComponent(key)})`;
        res.writeHead(options.status ?? 401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
        res.end(JSON.stringify({ error: said }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    fake = new FakeKeyEcho(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** The request as it came, to `upstream`, and its answer back as it comes. */
function passOn(upstream: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const to = new URL(req.url ?? '/', upstream);
  const out = http.request(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}
