/**
 * doctor's memory lines: RAM, budget, swap, the host's memory and GPUs, and the models that do not
 * fit. Loaded models over the budget make the RAM line (and a host's line) a warning that names
 * them and says what to unload; a budget that is met keeps it ✓.
 */
import { formatBytes as gb } from './config/units.js';
import type { LoadedModel, ModelSummary, RamSummary } from './orchestrator.js';
import { isQuantized } from './loading/kv-cache.js';

type CheckLevel = 'ok' | 'warn' | 'fail';

/** One line of doctor's report (doctor.ts re-exports it). */
export interface Check {
  name: string;
  level: CheckLevel;
  detail: string;
  fix?: string;
}

/** What is loaded past the budget: the words for a line's detail and its fix. */
export interface OverBudget {
  detail: string;
  fix: string;
}

/**
 * Loaded models whose RAM share (on a GPU host only what is not in VRAM counts) is more than the
 * budget: every loaded model, largest first, and the fewest of them, largest first, whose unloading
 * brings the rest within the budget. `setting` is where the budget is raised; `how` how a model is
 * unloaded there. Undefined when the budget is met.
 */
export function overBudget(
  budgetBytes: number,
  loaded: readonly LoadedModel[],
  setting: string,
  how = 'unload_model, or `ollama stop NAME`',
): OverBudget | undefined {
  const inRam = (m: LoadedModel) => Math.max(0, m.sizeBytes - m.vramBytes);
  const used = loaded.reduce((s, m) => s + inRam(m), 0);
  if (used <= budgetBytes) return undefined;
  const largest = [...loaded].sort((a, b) => inRam(b) - inRam(a));
  const unload: string[] = [];
  let left = used;
  for (const m of largest) {
    if (left <= budgetBytes) break;
    unload.push(m.name);
    left -= inRam(m);
  }
  return {
    detail:
      `the models loaded take ${gb(used)} of RAM, more than the budget (${gb(budgetBytes)}): ` +
      `${largest.map((m) => `${m.name} (${gb(inRam(m))})`).join(', ')}`,
    fix: `unload ${unload.join(', ')} (${how}), or raise ${setting} if the machine has the memory`,
  };
}

/** The RAM line and what goes with it; `loaded` are the models ollama.host holds now. */
/**
 * `reached`: whether the host answered. One that did not (down, or an address with a typo) has its
 * capacity unknown for that reason alone: no capacity advice then — the Ollama check's fix is the
 * one next step (issue 75, finding 11).
 */
export function ramChecks(ram: RamSummary, loaded: readonly LoadedModel[] = [], reached = true): Check[] {
  const checks: Check[] = [];
  const usable = ram.totalBytes - ram.bufferBytes;
  const over = overBudget(ram.budgetBytes, loaded, 'ram.budget');
  checks.push({
    name: 'RAM',
    level: over ? 'warn' : 'ok',
    detail:
      `${gb(ram.availableBytes)} available of ${gb(ram.totalBytes)}; budget for models ` +
      `${gb(ram.budgetBytes)}, ${gb(ram.loadedBytes)} loaded, margin ` +
      `${Math.round(ram.safetyMargin * 100)}%, ${gb(ram.bufferBytes)} kept ` +
      `free${over ? `; ${over.detail}` : ''}`,
    ...(over && { fix: over.fix }),
  });
  if (ram.budgetBytes > usable) {
    checks.push({
      name: 'RAM budget',
      level: 'warn',
      detail:
        `the budget (${gb(ram.budgetBytes)}) is more than RAM minus the buffer (${gb(usable)}), so ` +
        `models could push the machine into swap`,
      fix: `lower ram.budget to "${Math.floor(usable / 1e9)}GB" or less`,
    });
  }
  if (ram.swapUsedBytes > 256e6) {
    checks.push({
      name: 'Swap',
      level: 'warn',
      detail: `${gb(ram.swapUsedBytes)} of swap in use — inference in swap is about 10× slower`,
      fix: 'unload idle models (`ollama stop NAME`) or lower ram.budget',
    });
  }
  const h = ram.host;
  checks.push({
    name: 'Ollama host memory',
    level: h.kind === 'unknown' && reached ? 'warn' : 'ok',
    detail:
      `${h.kind === 'gpu' ? `GPU host: ${gb(h.vramTotalBytes ?? 0)} VRAM, ${gb(h.vramFreeBytes ?? 0)} free (Ollama admits by VRAM)` : h.kind === 'cpu' ? `CPU host: ${gb(h.ramTotalBytes ?? 0)} RAM (nothing but ollm-mcp keeps models out of swap)` : 'capacity unknown'}; ` +
      `at most ${h.maxLoadedModels} models loaded, ${h.numParallel} parallel ` +
      `slot${h.numParallel > 1 ? 's' : ''} each — ${h.note}`,
    ...(h.kind === 'unknown' &&
      reached && { fix: 'set ollama.capacity: {ram: "32GB", vram: "24GB"} for the machine Ollama runs on' }),
  });
  const kv = kvCheck(h);
  if (kv) checks.push(kv);
  checks.push(
    ram.gpus.length > 0
      ? {
          name: 'GPU',
          level: 'ok',
          detail: ram.gpus
            .map(
              (g) =>
                `${g.name}: ${gb(g.vramTotalBytes)} ` +
                `VRAM${g.vramFreeBytes !== undefined ? `, ${gb(g.vramFreeBytes)} free` : ''}`,
            )
            .join('; '),
        }
      : { name: 'GPU', level: 'ok', detail: 'no GPU with its own VRAM found: models run on the CPU from RAM' },
  );
  return checks;
}

/**
 * The KV cache an Ollama host runs models with and its flash attention, as ollm-mcp sizes them
 * (ollama.kvCacheType, ollama.flashAttention, or this machine's OLLAMA_KV_CACHE_TYPE and
 * OLLAMA_FLASH_ATTENTION); a warning for a quantized cache with flash attention off, which
 * llama.cpp refuses ("V cache quantization requires flash_attn").
 */
export function kvCheck(h: RamSummary['host']): Check | undefined {
  if (!h.kvCacheType) return undefined;
  const fa = h.flashAttention ?? 'auto';
  const quantized = isQuantized(h.kvCacheType);
  const overhead = h.gpuOverheadBytes
    ? `; ${gb(h.gpuOverheadBytes)} of VRAM kept aside per GPU (OLLAMA_GPU_OVERHEAD)`
    : '';
  const detail =
    `KV cache ${h.kvCacheType}${quantized ? ' (smaller than f16: longer windows fit)' : ''}, ` +
    `flash attention ${fa}${overhead}; Ollama's own pre-flight still counts f16, and ollm-mcp ` +
    `makes the unloads it would make`;
  if (quantized && fa === 'off') {
    return {
      name: 'Ollama KV cache',
      level: 'warn',
      detail:
        `${detail}. A quantized KV cache needs flash attention: with it off, llama-server refuses ` +
        `to start ("V cache quantization requires flash_attn"), so models are sized as f16 here`,
      fix:
        'start Ollama with OLLAMA_FLASH_ATTENTION=1 (or unset), or OLLAMA_KV_CACHE_TYPE=f16; then ' +
        'set ollama.flashAttention / ollama.kvCacheType to match',
    };
  }
  return { name: 'Ollama KV cache', level: 'ok', detail };
}

/** Installed models that can never fit, each named with what it needs: a warning, like swap in use. */
export function fitChecks(models: readonly ModelSummary[]): Check[] {
  const tooBig = models.filter((m) => !m.fits && !m.cloud);
  if (tooBig.length === 0) return [];
  return [
    {
      name: 'Models too big',
      level: 'warn',
      detail:
        `${tooBig.length} installed model${tooBig.length > 1 ? 's' : ''} can never be loaded here: ` +
        `${tooBig.map((m) => `${m.name}${m.host ? ` on ${m.host}` : ''} (needs ${gb(m.requiredBytes)})`).join(', ')}`,
      fix:
        "remove them (`ollama rm NAME`) to free the disk, or raise ram.budget (or the host's " +
        'capacity in settings) if the machine has the memory',
    },
  ];
}
