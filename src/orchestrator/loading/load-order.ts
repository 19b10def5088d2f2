/**
 * Which of the loads waiting on one host goes next, as a pure function over plain data (issue 64,
 * Deliver 5). The engine loads one model at a time (Ollama's scheduler, llama-server's router), so
 * waiting loads gain nothing by starting together — but the order they run in decides how many
 * models are unloaded for them: served first come first served, each may unload the model the next
 * one is waiting for (a swap for nothing: an unload, a wait for the GPU's memory, a load). So every
 * order of the waiting loads (the MAX_ORDERED oldest) is played out with the planner itself, each
 * model loaded kept busy by its request as it will be, and the first load of the order that unloads
 * least is run: an unload costs 1, a load that would have to wait for a running request 1 and the
 * unloads it then needs with those requests over (a model that never fits here: 2). Ties go to the
 * order closest to arrival (first come first served). The loader's queue (load-queue.ts) serves a
 * load that has waited STARVE_MS first, whatever this says.
 */
import { planLoad } from './planner.js';
import type { HostMemory, LoadedModelState, LoadPlan, PlanInput } from './plan-types.js';

/** Orders of more loads than this are not searched (5! = 120 plays): those after wait their turn. */
export const MAX_ORDERED = 5;

/** What a load costs that would not fit even with every request over, against 1 for each unload. */
const WAIT_COST = 2;

/** The host as the planner sees it now, without the model: what each waiting load is planned over. */
export type PlannerHost = Omit<PlanInput, 'model' | 'wanted'>;

/** A load waiting its turn: the model as the planner weighs it, in order of arrival. */
export type WaitingLoad = PlanInput['model'];

/** What playing out one order costs: unloads, and loads that would have to wait for a request. */
function play(order: readonly WaitingLoad[], host: PlannerHost): { cost: number } {
  let loaded: LoadedModelState[] = [...host.loaded];
  let memory = host.memory;
  const inFlight = new Set(host.inFlight);
  const lastUsed = new Map(host.lastUsed);
  const now = host.now ?? 0;
  let total = 0;
  order.forEach((model, i) => {
    const wanted = new Set(order.slice(i + 1).map((m) => m.name));
    const plan = planLoad({ ...host, model, loaded, memory, inFlight, lastUsed, wanted, now });
    if (plan.action === 'refuse') {
      // it waits for a request to end, then unloads what it needs with the busy models idle
      const after = planLoad({ ...host, model, loaded, memory, inFlight: new Set(), lastUsed, wanted, now });
      total += 1 + (after.action === 'load' ? after.unload.length : WAIT_COST);
      return;
    }
    if (plan.action === 'load') {
      total += plan.unload.length;
      ({ loaded, memory } = carriedOut({ loaded, memory }, model.name, plan));
    }
    inFlight.add(model.name); // its request runs on it now
    lastUsed.set(model.name, now);
  });
  return { cost: total };
}

/**
 * The host once `plan` (the load of `name`) is carried out: its unloads gone, the model in their place at the
 * size planned.
 */
function carriedOut(
  host: Pick<PlanInput, 'loaded' | 'memory'>,
  name: string,
  plan: LoadPlan,
): { loaded: LoadedModelState[]; memory: HostMemory } {
  const freed = host.loaded
    .filter((m) => plan.unload.includes(m.name))
    .reduce((mem, m) => moved(mem, m, +1), host.memory);
  const vram =
    freed.kind === 'gpu'
      ? Math.min(plan.requiredBytes, plan.fitsInVram === false ? (freed.vram?.freeBytes ?? 0) : plan.requiredBytes)
      : 0;
  const state: LoadedModelState = { name, sizeBytes: plan.requiredBytes, vramBytes: vram };
  return {
    loaded: [...host.loaded.filter((m) => !plan.unload.includes(m.name)), state],
    memory: moved(freed, state, -1),
  };
}

/** The host's memory with `m` unloaded (+1) or loaded (-1). */
function moved(memory: HostMemory, m: LoadedModelState, sign: 1 | -1): HostMemory {
  return {
    ...memory,
    ...(memory.ram && {
      ram: { ...memory.ram, availableBytes: memory.ram.availableBytes + sign * (m.sizeBytes - m.vramBytes) },
    }),
    ...(memory.vram && { vram: { ...memory.vram, freeBytes: memory.vram.freeBytes + sign * m.vramBytes } }),
  };
}

/** Every order of `items` (n! of them), in lexicographic order of their positions: the first is `items` as given. */
function orders<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((first, i) =>
    orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [first, ...rest]),
  );
}

/**
 * The index (into `waiting`, oldest first) of the load to run next: the first of the cheapest
 * order of the MAX_ORDERED oldest; the oldest when one or none waits.
 */
export function nextLoad(waiting: readonly WaitingLoad[], host: PlannerHost): number {
  if (waiting.length <= 1) return 0;
  const considered = waiting.slice(0, MAX_ORDERED);
  let best = { cost: Infinity, first: 0 };
  // orders() lists first-come-first-served first, so a tie keeps the order closest to arrival
  for (const order of orders(considered.map((_, i) => i))) {
    const p = play(
      order.map((i) => considered[i]!),
      host,
    );
    if (p.cost < best.cost) best = { ...p, first: order[0]! };
  }
  return best.first;
}

/** The unloads `model` needs over `input`'s host with every request over (pins kept); Infinity where it never fits. */
function unloadsWhenIdle(input: PlanInput, model: WaitingLoad, busy: ReadonlySet<string> = new Set()): number {
  const plan = planLoad({ ...input, model, inFlight: busy, wanted: new Set() });
  return plan.action === 'refuse' ? Infinity : plan.unload.length;
}

/**
 * The models the load of `input.model` unloads once the requests on `busy` have ended: those, and any idle
 * ones beside them; `busy` itself where it would not fit even then.
 */
export function unloadsOnceEnded(input: PlanInput, busy: readonly string[]): string[] {
  const plan = planLoad({ ...input, inFlight: new Set([...input.inFlight].filter((m) => !busy.includes(m))) });
  return plan.action === 'load' ? plan.unload : [...busy];
}

/**
 * Whether carrying out `plan` (the load of `input.model`) leaves `earlier` — a load that came
 * before it and waits for requests to end — more to unload once they have: the engines load in
 * the order requests came (Ollama's pending queue), and a load that overtook a waiting one and
 * took the room it waits for would make it unload more later, the model just loaded kept busy by
 * its request.
 */
export function takesRoomOf(input: PlanInput, plan: LoadPlan, earlier: WaitingLoad): boolean {
  if (plan.action !== 'load' || input.loaded.some((m) => m.name === earlier.name)) return false;
  const before = unloadsWhenIdle(input, earlier);
  const after = { ...input, ...carriedOut(input, input.model.name, plan) };
  return unloadsWhenIdle(after, earlier, new Set([input.model.name])) > before;
}
