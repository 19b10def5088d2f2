/** Comparisons remembered for prefer_model (a winner chosen by comparisonId), newest last. */
import type { TaskType } from '../models/profiles.js';

const KEEP_COMPARISONS = 20;

export class Comparisons {
  private readonly recent = new Map<string, { task: TaskType; models: string[] }>();

  remember(id: string, task: TaskType, models: string[]): void {
    this.recent.set(id, { task, models });
    while (this.recent.size > KEEP_COMPARISONS) this.recent.delete(this.recent.keys().next().value!);
  }

  get(id: string): { task: TaskType; models: string[] } | undefined {
    return this.recent.get(id);
  }
}
