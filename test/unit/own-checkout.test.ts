/** `ollm-mcp project` run in ollm-mcp's own checkout says it is not the user's project (issue 75, finding 12). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownCheckoutNote } from '../../src/server/own-checkout.js';
import { tempDir } from '../helpers/temp.js';

const CHECKOUT = join(import.meta.dirname, '../..');

describe('ownCheckoutNote', () => {
  it("ollm-mcp's own folder: not your project, and how to reach it", () => {
    expect(ownCheckoutNote(CHECKOUT, 'node /x/dist/cli.js')).toBe(
      "this is ollm-mcp's own folder, not your project: run `node /x/dist/cli.js project` in your " +
        "project's folder, or add --project DIR",
    );
  });

  it('the other side: any other folder, a subfolder of the checkout included, gets no note', () => {
    expect(ownCheckoutNote(tempDir('ollm-proj-'))).toBeUndefined();
    expect(ownCheckoutNote(join(CHECKOUT, 'test'))).toBeUndefined();
  });
});
