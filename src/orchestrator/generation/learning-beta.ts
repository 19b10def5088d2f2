/**
 * Beta distributions for learned routing, pure: mean, spread, a credible interval and sampling
 * from an injected random source (so a seeded one makes every draw repeatable).
 */

/** Beta(alpha, beta): alpha − its prior part counts successes, beta − its prior part failures. */
export interface Beta {
  alpha: number;
  beta: number;
}

export const betaMean = (b: Beta): number => b.alpha / (b.alpha + b.beta);

export function betaStd(b: Beta): number {
  const n = b.alpha + b.beta;
  return Math.sqrt((b.alpha * b.beta) / (n * n * (n + 1)));
}

/**
 * mean ± z·std, clamped to [0, 1]: the normal approximation of the credible interval (z = 1.645
 * for 90%). Close enough to the exact quantiles for deciding which models are "close", and it needs
 * no inverse incomplete beta function.
 */
export function betaInterval(b: Beta, z: number): { low: number; high: number } {
  const m = betaMean(b);
  const s = betaStd(b);
  return { low: Math.max(0, m - z * s), high: Math.min(1, m + z * s) };
}

/** A number in (0, 1): rng() may return exactly 0, whose logarithm is −∞. */
const open = (rng: () => number) => Math.min(Math.max(rng(), 1e-12), 1 - 1e-12);

/** A standard normal draw (Box–Muller). */
function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(open(rng))) * Math.cos(2 * Math.PI * rng());
}

/** A Gamma(shape, 1) draw (Marsaglia–Tsang; shapes below 1 by the u^(1/shape) boost). */
function gamma(shape: number, rng: () => number): number {
  if (shape < 1) return gamma(shape + 1, rng) * Math.pow(open(rng), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  // Accepts in ~98% of tries; the cap only guards against a degenerate rng (e.g. a constant).
  for (let tries = 0; tries < 64; tries++) {
    const x = normal(rng);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = open(rng);
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
  return d;
}

/** A draw from Beta(alpha, beta), as Gamma(alpha) / (Gamma(alpha) + Gamma(beta)). */
export function sampleBeta(b: Beta, rng: () => number): number {
  const x = gamma(b.alpha, rng);
  const y = gamma(b.beta, rng);
  return x + y > 0 ? x / (x + y) : betaMean(b);
}

/** Φ(x), the standard normal distribution function (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-(x * x) / 2);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}
