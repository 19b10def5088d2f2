/**
 * What to do on a llama-server router instead of making a model: a section of its
 * `--models-preset` INI file (tools/server/README.md, "Model presets"). Each section is a model
 * named after it; its keys are llama-server's command-line arguments without the leading dashes
 * (`model`, `ctx-size`, `temp`, `top-p`…). A preset has no key for a system prompt or stop words:
 * those go with each request. Pure.
 */
import type { CreateModelRequest } from '../engine-requests.js';

/** Ollama's parameter names and the llama-server argument each one is. */
const PRESET_KEYS: Readonly<Record<string, string>> = {
  num_ctx: 'ctx-size',
  temperature: 'temp',
  top_p: 'top-p',
  top_k: 'top-k',
  min_p: 'min-p',
  typical_p: 'typical',
  repeat_penalty: 'repeat-penalty',
  repeat_last_n: 'repeat-last-n',
  presence_penalty: 'presence-penalty',
  frequency_penalty: 'frequency-penalty',
  seed: 'seed',
  num_predict: 'n-predict',
  num_keep: 'keep',
  num_batch: 'batch-size',
  num_gpu: 'n-gpu-layers',
  main_gpu: 'main-gpu',
  num_thread: 'threads',
};

/** The INI section for `req` (the base's .gguf file when the router said which), and what it cannot hold. */
export function presetSection(req: CreateModelRequest, file: string | undefined): { section: string; left: string[] } {
  const lines = [`[${req.model}]`, `model = ${file ?? `/path/to/the .gguf of ${req.from}`}`];
  const left: string[] = [];
  for (const [name, value] of Object.entries(req.parameters ?? {})) {
    const key = PRESET_KEYS[name];
    if (key && !Array.isArray(value)) lines.push(`${key} = ${value}`);
    else left.push(name);
  }
  if (req.system !== undefined) left.push('system');
  if (req.template !== undefined)
    left.push('template (llama-server takes a Jinja chat-template-file, not a Go template)');
  if (req.messages !== undefined) left.push('messages');
  if (req.quantize !== undefined) left.push('quantize (run llama-quantize on the file)');
  return { section: lines.join('\n'), left };
}

/** The advice in words: the section to add, where, and what goes with each request instead. */
export function presetAdvice(req: CreateModelRequest, file: string | undefined): string {
  const { section, left } = presetSection(req, file);
  const rest = left.length
    ? ` A preset cannot hold ${left.join(', ')}: send ` +
      `${left.includes('system') || left.includes('stop') ? 'those' : 'them'} with each request ` +
      `(route_and_generate's system) or leave them out.`
    : '';
  return (
    `add a section to the router's --models-preset INI file and restart it:\n${section}\n(keys ` +
    `are llama-server's arguments without the dashes).${rest}`
  );
}
