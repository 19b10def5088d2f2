/**
 * What a llama-server host cannot do, in words (llamacpp.ts): download or delete a model — its
 * models are the .gguf files of the router's --models-dir or the entries of its --models-preset,
 * put there or removed by hand — or show a model it does not have.
 */
import { HostError } from '../host-error.js';

/** pull_model: it downloads nothing. */
export function cannotPull(who: string, host: string): HostError {
  return new HostError(
    'not_supported',
    `${who} cannot download models — put the .gguf file in its --models-dir (or add it to its ` +
      `--models-preset) and it is listed; pull_model works on Ollama hosts.`,
    host,
  );
}

/** delete_model: it deletes no file. */
export function cannotDelete(who: string, host: string, model: string): HostError {
  return new HostError(
    'not_supported',
    `${who} cannot delete "${model}" — remove its .gguf file from the router's --models-dir (or ` +
      `its --models-preset entry) yourself; delete_model works on Ollama hosts.`,
    host,
  );
}

/** A model it does not list. */
export function noSuchModel(who: string, host: string, model: string): HostError {
  return new HostError(
    'model_not_found',
    `${who} has no model "${model}" — its models are the .gguf files of its --models-dir (or ` +
      `the entries of --models-preset); see list_models.`,
    host,
    404,
  );
}
