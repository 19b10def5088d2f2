/**
 * One text given to a model whole or in parts: what inputs/ reads (a file, a diff, the prompt) and
 * splits (inputs/split.ts), and what compare and the jobs send. On the generation floor, so both
 * the work that reads inputs and the work that only passes them on reach it.
 */
export interface InputDoc {
  /** A file path, "git diff (staged)", "prompt"... */
  label: string;
  text: string;
}
