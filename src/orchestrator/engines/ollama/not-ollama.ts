/**
 * An Ollama call's failure that says something else answers at the address — a 404 or 405 not in
 * Ollama's words (ollama-errors.ts), an answer not of Ollama's shape — named after asking the server
 * what it is (engine-at.ts): "a llama.cpp server answers there, not Ollama", with the `hosts:` entry
 * that fits (address-trouble.ts). One question at a time per host, its answer kept 10 s, so a burst of
 * failing calls asks once.
 */
import { HostError } from '../host-error.js';
import { addressNext } from '../address-trouble.js';
import { engineAt, notOllamaWhy, type FoundThere } from '../engine-at.js';
import type { OllamaAt } from './ollama-errors.js';

const KEPT_MS = 10_000;

export class WhatAnswers {
  private asked?: { at: number; found: Promise<FoundThere> };

  constructor(
    private readonly where: OllamaAt,
    private readonly get: Parameters<typeof engineAt>[1],
  ) {}

  /** `err` with what answers there named, when it says another server may; `err` itself otherwise. */
  async named(err: HostError, what: string): Promise<HostError> {
    const other = err.kind === 'unreachable' && /\(it does not answer as Ollama: /.test(err.message);
    if (!other && err.kind !== 'bad_response') return err;
    const found = await this.found();
    if (found === undefined || (found === 'Ollama' && !other)) return err;
    const why = notOllamaWhy(found, what, err.status);
    const { host, url, setting } = this.where;
    return new HostError(
      'unreachable',
      `Ollama is not reachable at ${host} (${why}) — ${addressNext(why, url, setting)!}.`,
      host,
      err.status,
    );
  }

  private found(): Promise<FoundThere> {
    if (!this.asked || Date.now() - this.asked.at > KEPT_MS)
      this.asked = { at: Date.now(), found: engineAt(this.where.url, this.get) };
    return this.asked.found;
  }
}
