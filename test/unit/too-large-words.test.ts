/**
 * What an oversized message is told (issue 75, finding 7): a long text is told to go by path, images
 * to be scaled down — judged from a sample of the message (server/limits.ts fillingOf).
 */
import { describe, expect, it } from 'vitest';
import { fillingOf, tooLargeMessage } from '../../src/server/limits.js';

describe('fillingOf', () => {
  it('prose is text, even with JSON around it and long words', () => {
    expect(fillingOf(Buffer.from(`{"prompt":"${'Summarise this report of the quarter. '.repeat(200)}"}`))).toBe('text');
    expect(
      fillingOf(Buffer.from('Antidisestablishmentarianism notwithstanding, internationalisation '.repeat(100))),
    ).toBe('text');
  });

  it('base64 is images, and so is a text with almost no spaces', () => {
    expect(
      fillingOf(
        Buffer.from(
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='.repeat(50),
        ),
      ),
    ).toBe('images');
    expect(fillingOf(Buffer.from(`${'A'.repeat(4900)} ${'B'.repeat(4900)}`))).toBe('images');
  });
});

describe('tooLargeMessage', () => {
  it('a text: by path, never photos', () => {
    const text = tooLargeMessage(19 * 2 ** 20, 'text');
    expect(text).toMatch(/^The message is 19 MiB, over the 16 MiB limit for one MCP message: pass a long text by path/);
    expect(text).not.toMatch(/photos/);
  });

  it('images, or nothing known: scale them down, as before', () => {
    expect(tooLargeMessage(17 * 2 ** 20, 'images')).toMatch(/send fewer or smaller images \(scale photos down/);
    expect(tooLargeMessage()).toMatch(
      /^The message is over the 16 MiB limit for one MCP message: send fewer or smaller images/,
    );
  });
});
