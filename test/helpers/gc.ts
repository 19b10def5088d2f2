/**
 * Whether an object can be collected: what a test of a leak asks (nothing kept for an ended call)
 * without timing anything. `--expose-gc` set at run time gives a full collection to a new context.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * True once what `ref` points to is collected: a full collection after the current turn (a WeakRef holds its
 * target until then), a few times.
 */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}
