/**
 * The sampling settings a llama-server router starts a model with (its preset's `temp = 0.2`,
 * `top-k = 20`… become the model's arguments, which GET /models shows in its status `args`),
 * written as Ollama writes a model's parameters (`temperature 0.2`): a model's own settings, which
 * ollm-mcp never overrides unless asked (models/model-settings.ts reads them).
 */

/** llama-server's sampling flags (common/arg.cpp), long and short, by Ollama's parameter names. */
const FLAGS: ReadonlyMap<string, string> = new Map([
  ['--temp', 'temperature'],
  ['--top-k', 'top_k'],
  ['--top-p', 'top_p'],
  ['--min-p', 'min_p'],
  ['--typical', 'typical_p'],
  ['--repeat-penalty', 'repeat_penalty'],
  ['--repeat-last-n', 'repeat_last_n'],
  ['--presence-penalty', 'presence_penalty'],
  ['--frequency-penalty', 'frequency_penalty'],
  ['--seed', 'seed'],
  ['-s', 'seed'],
  ['--n-predict', 'num_predict'],
  ['--predict', 'num_predict'],
  ['-n', 'num_predict'],
]);

/** The sampling flags among a model's arguments, one `name value` line each (numbers only). */
export function samplingParameters(args: readonly unknown[]): string {
  const lines = new Map<string, string>();
  for (let i = 0; i < args.length - 1; i++) {
    const name = typeof args[i] === 'string' ? FLAGS.get(args[i] as string) : undefined;
    const value = Number(args[i + 1]);
    if (name && String(args[i + 1]).trim() !== '' && Number.isFinite(value)) lines.set(name, `${name} ${value}`);
  }
  return [...lines.values()].join('\n');
}
