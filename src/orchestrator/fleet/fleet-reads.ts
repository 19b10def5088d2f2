/**
 * Reading every Ollama host at once, for list_models, show_status, the resources and doctor: the
 * hosts that answer are read, and each one that does not is named with why and what to do —
 * one host down never fails the whole read. A host found down is cooled down for placement (and
 * re-checked in the background); one found up is back at once.
 */
import { HostError } from '../engines/host-error.js';
import { addressNext } from '../engines/address-trouble.js';
import type { HostDown, HostState, ModelsOverview } from '../models/overview-types.js';
import type { FleetHost } from './fleet-host.js';
import { HOST_COOLDOWN_MS, type HostCooldown } from './placement.js';

export type { HostDown, HostState } from '../models/overview-types.js';

export interface FleetRead<T> {
  up: Array<{ host: FleetHost; value: T }>;
  down: HostDown[];
  /** Every host, in priority order, reachable or not. */
  hosts: HostState[];
}

/** The setting that holds a host's address. */
export function addressSetting(name: string): string {
  return name === 'ollama' ? 'OLLM_HOST or OLLAMA_HOST' : `hosts.${name}.url`;
}

/**
 * What to do about a host that does not answer: when its error says the address itself is wrong
 * (a name that does not resolve, the wrong scheme: engines/address-trouble.ts), correct it in the
 * setting named; otherwise start the engine there.
 */
export function nextStep(
  h: { name: string; kind?: FleetHost['kind']; url?: string; error?: string },
  others: boolean,
): string {
  const address =
    h.error !== undefined && h.url !== undefined ? addressNext(h.error, h.url, addressSetting(h.name)) : undefined;
  if (address) return `${address}${others ? '; the other hosts serve meanwhile' : ''}`;
  if (h.kind === 'openai')
    return (
      `start that engine, or correct hosts.${h.name}.url in ` +
      `settings${others ? '; the other hosts serve meanwhile' : ''}`
    );
  if (h.kind === 'ollm')
    return (
      `start \`ollm-mcp --transport http\` on that machine, or correct hosts.${h.name}.url (or ` +
      `its token, hosts.${h.name}.tokenEnv) in ` +
      `settings${others ? '; the other hosts serve meanwhile' : ''}`
    );
  if (h.kind === 'llamacpp')
    return (
      `start llama-server there (llama-server --models-dir DIR …), or correct hosts.${h.name}.url ` +
      `in settings${others ? '; the other hosts serve meanwhile' : ''}`
    );
  const fix =
    h.name === 'ollama'
      ? 'start it with `ollama serve`, or point OLLM_HOST (or OLLAMA_HOST) at where it runs'
      : `start Ollama on that machine, or correct hosts.${h.name}.url in settings`;
  return `${fix}${others ? '; the other hosts serve meanwhile' : ''}`;
}

/** One line per host down, for a tool's text. */
export function downLines(down: readonly HostDown[]): string[] {
  return down.map((d) => {
    // "Ollama is not reachable at H (why)", "llama-server at H is not reachable (why)": the cause alone
    const why = /not reachable(?: at \S+)? \(([^()]+)\)/.exec(d.error)?.[1] ?? d.error.replace(/[.\s]+$/, '');
    return (
      `${/llama-server/.test(d.next) ? 'llama.cpp' : /that engine/.test(d.next) ? 'OpenAI-compatible' : 'Ollama'} ` +
      `host ${d.name} (${d.url}) is not reachable (${why}) — ${d.next}.`
    );
  });
}

/** The cause alone, without the advice Ollama's errors carry after " — ". */
const cause = (err: unknown) => (err instanceof Error ? err.message : String(err)).split(' — ')[0]!;

/** Whether an error means the host is not there (rather than a refusal of this one call). */
export function isDown(err: unknown): boolean {
  return err instanceof HostError && (err.kind === 'unreachable' || err.kind === 'timeout');
}

/**
 * Runs `read` on every Ollama host at once. A host that does not answer (or, unless `ask`, is
 * cooling down after not answering) is listed in `down`; a cancelled call still throws.
 */
export async function readEachHost<T>(
  hosts: readonly FleetHost[],
  cooldown: HostCooldown,
  read: (h: FleetHost) => Promise<T>,
  opts: { ask?: boolean } = {},
): Promise<FleetRead<T>> {
  const many = hosts.length > 1;
  const seen = await Promise.all(
    hosts.map(async (host) => {
      const cooling = many && !opts.ask ? cooldown.skipped(host.name) : undefined;
      if (cooling) return { host, error: `${cause(cooling)}; asked again every ${HOST_COOLDOWN_MS / 1000} s` };
      try {
        const value = await read(host);
        if (many) cooldown.up(host.name);
        return { host, value };
      } catch (err) {
        if (err instanceof HostError && err.kind === 'aborted') throw err;
        if (many && isDown(err)) cooldown.down(host.name, err instanceof Error ? err.message : String(err));
        return { host, error: cause(err) };
      }
    }),
  );
  const up = seen.filter((s): s is { host: FleetHost; value: Awaited<T> } => !('error' in s));
  const down = seen
    .filter((s): s is { host: FleetHost; error: string } => 'error' in s)
    .map((s) => ({
      name: s.host.name,
      url: s.host.address,
      error: s.error,
      next: nextStep(
        { name: s.host.name, kind: s.host.kind, url: s.host.settings.ollama.host, error: s.error },
        up.length > 0,
      ),
    }));
  const hostStates = seen.map((s) => ({
    name: s.host.name,
    url: s.host.address,
    reachable: !('error' in s),
    ...('error' in s && { error: s.error }),
  }));
  return { up, down, hosts: hostStates };
}

/** With several hosts: those cooling down after not answering, with what to do (no call made). */
export function coolingHosts(fleet: { hosts: readonly FleetHost[]; hostCooldown: HostCooldown }): HostDown[] {
  if (fleet.hosts.length < 2) return [];
  const down = fleet.hosts.filter((h) => fleet.hostCooldown.skipped(h.name) !== undefined);
  const others = down.length < fleet.hosts.length;
  return down.map((h) => {
    const error = cause(fleet.hostCooldown.skipped(h.name));
    return {
      name: h.name,
      url: h.address,
      error,
      next: nextStep({ name: h.name, kind: h.kind, url: h.settings.ollama.host, error }, others),
    };
  });
}

/** The error when no Ollama host answers: each one named, with what to do. */
export function noHostAnswers(down: readonly HostDown[], primaryAddress: string): HostError {
  const each = down.map((d) => `${d.name} at ${d.url}: ${d.error.replace(/[.\s]+$/, '')}`).join('; ');
  const fixes = down.filter((d) => addressNext(d.error, d.url, addressSetting(d.name)) !== undefined);
  const address = fixes.map(
    (d) => (down.length > 1 ? `${d.name}: ` : '') + addressNext(d.error, d.url, addressSetting(d.name))!,
  );
  const start =
    fixes.length === down.length
      ? []
      : ['start Ollama (`ollama serve`) on at least one, or correct the addresses in settings (ollama.host, hosts)'];
  return new HostError(
    'unreachable',
    `No Ollama host answers (${each}) — ${[...start, ...address].join('; ')}.`,
    primaryAddress,
  );
}

/**
 * list_models over the fleet: every reachable host's models and loaded models, each tagged with
 * its host; the memory figures of ollama.host (or, while it is down, of the first host up); and
 * the hosts that did not answer, in `unreachable`.
 */
export async function listFleetModels(
  hosts: readonly FleetHost[],
  cooldown: HostCooldown,
  options: { refresh?: boolean; signal?: AbortSignal },
): Promise<ModelsOverview> {
  const read = await readEachHost(
    hosts,
    cooldown,
    async (h) => {
      const o = await h.overview.listModels({ ...options, reachable: true });
      if (o.stale) throw new HostError('unreachable', o.stale, h.address);
      return o;
    },
    { ask: options.refresh === true },
  );
  const base = read.up.find((v) => v.host.name === 'ollama') ?? read.up[0];
  if (!base) throw noHostAnswers(read.down, hosts[0]!.address);
  return {
    ...base.value,
    models: read.up.flatMap((v) => v.value.models.map((m) => ({ ...m, host: v.host.name }))),
    loaded: read.up.flatMap((v) => v.value.loaded.map((l) => ({ ...l, host: v.host.name }))),
    hosts: read.hosts,
    ...(read.down.length > 0 && { unreachable: read.down }),
  };
}
