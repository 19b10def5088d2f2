/**
 * The connection to another ollm-mcp over Streamable HTTP: the official MCP SDK's client and
 * transport (never a protocol of our own), its bearer token read from the variable settings name
 * (hosts.NAME.tokenEnv), connected on first use and again after the box went away. Every failure
 * becomes a HostError naming the box and the next step: not reachable, refused the token, too slow,
 * cancelled. The token is in no message (HostErrorInfo.secrets). The SDK's client is loaded at the
 * first connection: a server that reaches no box (most) never holds its code.
 */
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { HostError } from '../host-error.js';
import { cancelledText } from '../../util/stopping.js';
import { raceAbort } from '../../util/race-abort.js';
import { shownAddress } from '../address-trouble.js';
import { cappedFetch, MAX_BOX_MESSAGE_BYTES } from './capped-fetch.js';

export interface BoxOptions {
  /** Its name in settings (hosts.NAME). */
  name: string;
  /** Its MCP endpoint, e.g. http://gpubox:3333/mcp. */
  url: string;
  /** The variable holding its bearer token. */
  tokenEnv?: string;
  /** Its bearer token itself (an engine's planner on this machine: engines/planned-elsewhere.ts); else tokenEnv's. */
  token?: string;
  /** How messages name it, when not `ollm-mcp NAME (address)`. */
  who?: string;
  /** Time limit of quick calls (list, show, ping), ms. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Whether anything may be sent to it now (an engine's planner: its process still lives); false: the call
   * fails as unreachable, sending nothing.
   */
  sendable?: () => boolean;
}

/** What one call asks of the connection. */
export interface BoxCall {
  signal?: AbortSignal | undefined;
  /** The call's time limit, ms; reset by each progress notification when `onProgress` is given. */
  timeoutMs: number;
  onProgress?: (message: string | undefined) => void;
  /** The request's _meta (who asks). */
  meta?: Record<string, unknown>;
}

type Sdk = typeof import('@modelcontextprotocol/client');
/** The client SDK, once a connection loaded it (the errors it throws exist only then). */
let sdk: Sdk | undefined;
const loadSdk = async (): Promise<Sdk> => (sdk ??= await import('@modelcontextprotocol/client'));

/**
 * How this server names itself to the box: ollm-mcp as an MCP client (the box knows it follows progress and
 * hand-overs).
 */
const BOX_CLIENT_NAME = 'ollm-mcp';

export class BoxConnection {
  private client: Promise<Client> | undefined;
  /** A connection the box sent a message past MAX_BOX_MESSAGE_BYTES on: the error its calls end with. */
  private readonly oversized = new WeakMap<Promise<Client>, HostError>();
  readonly host: string;
  readonly who: string;
  /** Closed for good (its planner is no longer the one followed): nothing is sent, nothing connects again. */
  private closed = false;

  constructor(private readonly o: BoxOptions) {
    this.host = new URL(o.url).host;
    this.who = o.who ?? `ollm-mcp ${o.name} (${shownAddress(o.url)})`;
  }

  private token(): string | undefined {
    if (this.o.token) return this.o.token;
    const v = this.o.tokenEnv ? (this.o.env ?? process.env)[this.o.tokenEnv]?.trim() : undefined;
    return v ? v : undefined;
  }

  private connect(call: BoxCall): Promise<Client> {
    if (this.client) return this.client;
    const token = this.token();
    const connecting: Promise<Client> = loadSdk().then(({ Client, StreamableHTTPClientTransport }) => {
      const client = new Client({ name: BOX_CLIENT_NAME, version: '1' }, { capabilities: {} });
      const transport = new StreamableHTTPClientTransport(new URL(this.o.url), {
        ...(token && { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
        // bytes counted as they come; past the bound the connection ends its calls (capped-fetch.ts)
        fetch: cappedFetch(MAX_BOX_MESSAGE_BYTES, (err) => {
          this.oversized.set(connecting, this.tooLarge(err.message));
          this.drop(connecting);
        }),
        reconnectionOptions: {
          maxReconnectionDelay: 30_000,
          initialReconnectionDelay: 1000,
          reconnectionDelayGrowFactor: 2,
          maxRetries: 0,
        },
      });
      return client
        .connect(transport, {
          timeout: Math.min(call.timeoutMs, this.o.timeoutMs),
          ...(call.signal && { signal: call.signal }),
        })
        .then(() => client);
    });
    this.client = connecting;
    // watched once open, not before: a failed opening is dropped by its own rejection
    connecting.then(
      (client) => (client.onclose = () => this.drop(connecting)),
      () => this.drop(connecting),
    );
    return connecting;
  }

  /** Forgets a connection (the next call connects again), closing it. */
  private drop(which: Promise<Client>): void {
    if (this.client !== which) return;
    this.client = undefined;
    void which.then((c) => c.close()).catch(() => undefined);
  }

  /** Calls a tool; its refusal (isError) comes back as it is, every other failure as a HostError. */
  async callTool(name: string, args: Record<string, unknown>, call: BoxCall): Promise<CallToolResult> {
    return this.run(`${name}`, call, (c) =>
      c.callTool(
        { name, arguments: args, ...(call.meta && { _meta: call.meta }) },
        {
          timeout: call.timeoutMs,
          ...(call.signal && { signal: call.signal }),
          ...(call.onProgress && {
            onprogress: (p: { message?: string }) =>
              call.onProgress!(typeof p.message === 'string' ? p.message.slice(0, 500) : undefined),
            resetTimeoutOnProgress: true,
          }),
        },
      ),
    );
  }

  /** Whether the box answers: an MCP ping. */
  async ping(call: BoxCall): Promise<void> {
    await this.run('ping', call, (c) =>
      c.ping({ timeout: call.timeoutMs, ...(call.signal && { signal: call.signal }) }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.then((x) => x.close()).catch(() => undefined);
  }

  private async run<T>(what: string, call: BoxCall, send: (c: Client) => Promise<T>): Promise<T> {
    let connection: Promise<Client> | undefined;
    try {
      // a reading left for after a call (ollm-engine.ts) may come after the close: it opens nothing again
      if (this.closed)
        throw new HostError('unreachable', `${this.who} is no longer followed here: nothing is sent there.`, this.host);
      if (this.o.sendable?.() === false)
        throw new HostError(
          'unreachable',
          `${this.who} is gone (its process has exited): nothing is sent there.`,
          this.host,
        );
      connection = this.connect(call);
      // an opening may not follow the call's signal: the call stops, the opening goes on for the next
      return await send(await raceAbort(connection, call.signal));
    } catch (err) {
      const over = connection && !call.signal?.aborted ? this.oversized.get(connection) : undefined;
      const failure = over ?? this.failure(err, what, call.signal);
      // the session may be gone (the box restarted) or the box down: the next call connects afresh
      if (connection && failure.kind !== 'aborted' && failure.kind !== 'timeout') this.drop(connection);
      throw failure;
    }
  }

  private tooLarge(what: string): HostError {
    return new HostError(
      'bad_response',
      `${this.who} sent ${what}, more than ollm-mcp ever answers, so it was not read further — ` +
        `check that hosts.${this.o.name}.url names an ollm-mcp server; the other hosts serve meanwhile.`,
      this.host,
      { secrets: [this.token()] },
    );
  }

  /** Anything a call threw, as the host error naming the box and the next step. */
  failure(err: unknown, what: string, signal?: AbortSignal): HostError {
    if (err instanceof HostError) return err;
    const secrets = [this.token()];
    if (signal?.aborted)
      return new HostError('aborted', cancelledText(`${what} on ${this.who}`, signal), this.host, { secrets });
    const setting = `hosts.${this.o.name}`;
    const status = httpStatus(err);
    const sdkError = sdk && err instanceof sdk.SdkError ? err : undefined;
    if (
      status === 401 ||
      status === 403 ||
      (sdkError &&
        (sdkError.code === sdk!.SdkErrorCode.ClientHttpAuthentication ||
          sdkError.code === sdk!.SdkErrorCode.ClientHttpForbidden))
    ) {
      const where = this.o.tokenEnv
        ? `${setting}.tokenEnv (${this.o.tokenEnv})${this.token() ? '' : ', which is not set,'}`
        : `${setting}.tokenEnv, which is not set,`;
      return new HostError(
        'unauthorized',
        `${this.who} refused this server's token for ${what}: check that ${where} holds the token ` +
          `that server's http.tokens gives this machine.`,
        this.host,
        { secrets, status: status ?? 401 },
      );
    }
    if (sdkError?.code === sdk?.SdkErrorCode.RequestTimeout) {
      return new HostError(
        'timeout',
        `${this.who} did not answer ${what} in time — it may be busy or stopped; the other hosts serve meanwhile.`,
        this.host,
        { secrets },
      );
    }
    const code = causeCode(err);
    if (code !== undefined || /fetch failed|ECONNREFUSED|socket|network|closed/i.test(messageOf(err))) {
      return new HostError(
        'unreachable',
        `${this.who} is not reachable (${code ?? 'connection failed'}) — start \`ollm-mcp ` +
          `--transport http\` there, or correct ${setting}.url in settings; the other hosts serve meanwhile.`,
        this.host,
        { secrets },
      );
    }
    if (status !== undefined && status >= 500)
      return new HostError(
        'server_error',
        `${this.who} failed ${what} (HTTP ${status}): ${messageOf(err)}`,
        this.host,
        { secrets, status },
      );
    return new HostError(
      'bad_response',
      `${this.who} answered ${what} with something that is not ollm-mcp's answer: ${messageOf(err)}`,
      this.host,
      { secrets, ...(status !== undefined && { status }) },
    );
  }
}

function httpStatus(err: unknown): number | undefined {
  const s =
    (err as { status?: unknown; data?: { status?: unknown } } | null)?.data?.status ??
    (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' && Number.isInteger(s) && s >= 100 && s < 600 ? s : undefined;
}

/** A system error's code (ECONNREFUSED, ENOTFOUND…) from the error or its causes. */
function causeCode(err: unknown): string | undefined {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}
