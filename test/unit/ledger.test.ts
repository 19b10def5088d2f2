import { describe, expect, it } from 'vitest';
import {
  formatMoney,
  formatTokens,
  ledgerLine,
  priceCall,
  type CallTokens,
  type Prices,
} from '../../src/orchestrator/savings/ledger.js';

const PRICES: Prices = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };
const tokens = (t: Partial<CallTokens>): CallTokens => ({
  argsTokens: 0,
  resultTokens: 0,
  inputTokens: 0,
  answerTokens: 0,
  localPromptTokens: 0,
  localOutputTokens: 0,
  inputsByReference: 0,
  ...t,
});

describe('priceCall', () => {
  it('a 60 KB log read by path: the call is cheap, doing it yourself is not', () => {
    const e = priceCall(
      tokens({
        argsTokens: 60,
        resultTokens: 500,
        inputTokens: 15_000,
        answerTokens: 500,
        localPromptTokens: 15_100,
        localOutputTokens: 480,
        inputsByReference: 14_900,
      }),
      PRICES,
    );
    expect(e.local).toEqual({ in: 15_100, out: 480 });
    // call: 500 read at $3/M + 60 written at $15/M = 0.0015 + 0.0009
    expect(e.call).toEqual({ in: 500, out: 60, money: 0.0024 });
    // self: 15,000 read at $3/M + 500 written at $15/M = 0.045 + 0.0075
    expect(e.self).toEqual({ in: 15_000, out: 500, money: 0.0525 });
    expect(e.savedTokens).toBe(15_500 - 560);
    expect(e.savedMoney).toBe(0.0501);
    expect(e.verdict).toBe('saved');
    expect(e.inputsByReference).toBe(14_900);
    expect(ledgerLine(e, PRICES)).toBe(
      'Saved you ~14.9k tokens (≈ $0.05): this call cost you 560, doing it yourself ~15.5k.',
    );
  });

  it('the same log pasted inline costs more than doing it yourself, and the line says how to avoid that', () => {
    const e = priceCall(
      tokens({ argsTokens: 15_100, resultTokens: 500, inputTokens: 15_100, answerTokens: 500 }),
      PRICES,
    );
    // call: 500 × 3/M + 15,100 × 15/M = 0.0015 + 0.2265; self: 15,100 × 3/M + 500 × 15/M = 0.0453 + 0.0075
    expect(e.call.money).toBe(0.228);
    expect(e.self.money).toBe(0.0528);
    expect(e.savedMoney).toBe(-0.1752);
    expect(e.savedTokens).toBe(0);
    expect(e.verdict).toBe('cost_more');
    expect(ledgerLine(e, PRICES)).toBe(
      'This call cost you ~$0.18 more than doing it yourself (15.1k tokens written as arguments) ' +
        '— pass long inputs by path (files, diff, images) instead of pasting them.',
    );
  });

  it('gives the advice only for large arguments with few inputs by path', () => {
    const small = priceCall(
      tokens({ argsTokens: 400, resultTokens: 900, inputTokens: 350, answerTokens: 100 }),
      PRICES,
    );
    expect(small.verdict).toBe('cost_more');
    expect(ledgerLine(small, PRICES)).toBe(
      'This call cost you ~$0.006 more than doing it yourself (this call cost you 1.3k, doing it yourself ~450).',
    );
    const byPath = priceCall(
      tokens({
        argsTokens: 2_000,
        resultTokens: 4_000,
        inputTokens: 9_000,
        answerTokens: 10,
        inputsByReference: 7_000,
      }),
      PRICES,
    );
    expect(byPath.verdict).toBe('cost_more');
    expect(ledgerLine(byPath, PRICES)).not.toMatch(/by path/);
  });

  it('cheaper in money though more tokens: no saving claimed, about even and how much cheaper', () => {
    // 2,000 read back at $3/M beats writing 1,000 at $15/M
    const e = priceCall(tokens({ argsTokens: 50, resultTokens: 2_000, inputTokens: 900, answerTokens: 1_000 }), PRICES);
    expect(e.savedTokens).toBe(-150);
    expect(e.savedMoney).toBe(0.01095);
    expect(e.verdict).toBe('saved');
    expect(ledgerLine(e, PRICES)).toBe(
      'About even with doing it yourself (150 more tokens, ≈ $0.01 cheaper): this call cost you 2.1k, doing ' +
        'it yourself ~1.9k.',
    );
  });

  // issue 83, finding 7: "Saved you ≈ $0.00001 (80 more tokens, but cheaper ones)"
  it('claims no saving under a cent with more tokens spent, nor money under a cent beside tokens saved', () => {
    // 80 more tokens read back, cheaper than 20 written: under a cent
    const e = priceCall(tokens({ resultTokens: 100, inputTokens: 0, answerTokens: 20 }), {
      ...PRICES,
      inputPerMillion: 0.1,
    });
    expect(e).toMatchObject({ savedTokens: -80, verdict: 'saved' });
    expect(e.savedMoney).toBeLessThan(0.01);
    expect(ledgerLine(e, PRICES)).toBe(
      'About even with doing it yourself: this call cost you 100, doing it yourself ~20.',
    );
    // tokens saved, their price under a cent: the tokens alone
    const few = priceCall(tokens({ resultTokens: 100, inputTokens: 1_000 }), PRICES);
    expect(few.savedMoney).toBeLessThan(0.01);
    expect(ledgerLine(few, PRICES)).toBe('Saved you ~900 tokens: this call cost you 100, doing it yourself ~1k.');
  });

  it('without prices, the verdict and the line go by tokens; bad counts count as zero', () => {
    const free: Prices = { inputPerMillion: 0, outputPerMillion: 0, currency: '€' };
    const e = priceCall(
      tokens({ argsTokens: 10, resultTokens: 90, inputTokens: 2_000, answerTokens: Number.NaN, localPromptTokens: -5 }),
      free,
    );
    expect(e).toMatchObject({
      savedTokens: 1_900,
      savedMoney: 0,
      verdict: 'saved',
      local: { in: 0, out: 0 },
      self: { out: 0, money: 0 },
    });
    expect(ledgerLine(e, free)).toBe('Saved you ~1.9k tokens: this call cost you 100, doing it yourself ~2k.');
    const worse = priceCall(tokens({ argsTokens: 3_000, resultTokens: 90, inputTokens: 2_000 }), free);
    expect(ledgerLine(worse, free)).toMatch(
      /^This call cost you ~1.1k tokens more than doing it yourself \(3k tokens written as arguments\)/,
    );
  });

  it('uses the currency given', () => {
    const euro: Prices = { ...PRICES, currency: '€' };
    expect(
      ledgerLine(priceCall(tokens({ resultTokens: 100, inputTokens: 100_000, answerTokens: 2_000 }), euro), euro),
    ).toBe('Saved you ~102k tokens (≈ €0.33): this call cost you 100, doing it yourself ~102k.');
  });
});

describe('formats', () => {
  it('tokens: 62, 1.2k, 15k, 15.1k, 1.3M', () => {
    expect(
      [0, 62, 999, 999.6, 1_234, 15_000, 15_100, 99_960, 123_456, 999_999, 1_300_000, 2.5e9, -1_500].map(formatTokens),
    ).toEqual(['0', '62', '999', '1k', '1.2k', '15k', '15.1k', '100k', '123k', '1M', '1.3M', '2.5B', '-1.5k']);
    expect(formatTokens(Number.NaN)).toBe('0');
  });

  it('money: enough digits for small amounts', () => {
    expect(
      [0.0501, 0.003, 0.0024, 0.0096, 0.17, 0.1752, 1.5, 12, 1_234.5, 0.00001, 1e-9, 0, -0.17].map((x) =>
        formatMoney(x),
      ),
    ).toEqual([
      '$0.05',
      '$0.003',
      '$0.002',
      '$0.01',
      '$0.17',
      '$0.18',
      '$1.50',
      '$12.00',
      '$1,234.50',
      '$0.00001',
      '$0',
      '$0',
      '-$0.17',
    ]);
    expect(formatMoney(0.05, '€')).toBe('€0.05');
  });
});

describe('edges', () => {
  it('counts nothing that is not a finite positive number', () => {
    const e = priceCall(
      tokens({
        argsTokens: Number.POSITIVE_INFINITY,
        resultTokens: -3,
        inputTokens: 5,
        answerTokens: '7' as unknown as number,
      }),
      PRICES,
    );
    expect(e.call).toEqual({ in: 0, out: 0, money: 0 });
    expect(e.self).toEqual({ in: 5, out: 0, money: 0.000015 });
  });

  it('breaking even is saving, by tokens without prices and by money with them', () => {
    const free: Prices = { inputPerMillion: 0, outputPerMillion: 0, currency: '$' };
    const even = priceCall(tokens({ argsTokens: 10, resultTokens: 90, inputTokens: 100 }), free);
    expect(even).toMatchObject({ savedTokens: 0, verdict: 'saved' });
    expect(ledgerLine(even, free)).toBe(
      'About even with doing it yourself: this call cost you 100, doing it yourself ~100.',
    );
    // the same tokens, cheaper ones: saved money, and said as tokens saved (none) with the money
    const cheaper = priceCall(
      tokens({ argsTokens: 0, resultTokens: 1_000, inputTokens: 0, answerTokens: 1_000 }),
      PRICES,
    );
    expect(cheaper.savedTokens).toBe(0);
    expect(ledgerLine(cheaper, PRICES)).toBe(
      'About even with doing it yourself (≈ $0.01 cheaper): this call cost you 1k, doing it yourself ~1k.',
    );
    expect(ledgerLine(cheaper, { ...PRICES, currency: '' })).toBe(
      'About even with doing it yourself (≈ $0.01 cheaper): this call cost you 1k, doing it yourself ~1k.',
    );
  });

  it('advises paths only past 1,000 tokens of arguments, and only when fewer were read by path', () => {
    const at = (argsTokens: number, inputsByReference: number) =>
      ledgerLine(
        priceCall(tokens({ argsTokens, resultTokens: 10, inputTokens: 100, inputsByReference }), PRICES),
        PRICES,
      );
    expect(at(1_000, 0)).toBe(
      'This call cost you ~$0.01 more than doing it yourself (this call cost you 1k, doing it yourself ~100).',
    );
    expect(at(1_001, 0)).toMatch(/\(1k tokens written as arguments\) — pass long inputs by path/);
    expect(at(1_001, 1_001)).toMatch(/\(this call cost you 1k, doing it yourself ~100\)\.$/);
    expect(at(1_001, 1_000)).toMatch(/pass long inputs by path/);
  });

  it('tokens past a thousand billion stay in billions', () => {
    expect(formatTokens(2e12)).toBe('2000B');
    expect(formatTokens(999_499_999)).toBe('999M');
    expect(formatTokens(999_500_000)).toBe('1B');
    expect(formatTokens(-2e12)).toBe('-2000B');
  });

  it('money: a thousand is grouped, a trailing rounded zero goes, what shows as nothing is 0', () => {
    expect(formatMoney(1000)).toBe('$1,000.00');
    expect(formatMoney(999.994)).toBe('$999.99');
    expect(formatMoney(0.00096)).toBe('$0.001');
    expect(formatMoney(0.0096)).toBe('$0.01');
    expect(formatMoney(5e-7)).toBe('$0');
    expect(formatMoney(-4e-7)).toBe('$0');
    expect(formatMoney(6e-7)).toBe('$0.000001');
    expect(formatMoney(-0.00096, '€')).toBe('-€0.001');
    expect(formatMoney(Number.NaN)).toBe('$0');
  });
});
