// Timing helpers: repeat until a minimum wall time has passed and report the fastest mean.

/** Seconds per call of fn: a warm-up call, then three rounds of at least minMs; the best round. */
export function timeIt(fn, minMs) {
  fn();
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const t0 = performance.now();
    let elapsed;
    do {
      fn();
      n++;
      elapsed = performance.now() - t0;
    } while (elapsed < minMs);
    best = Math.min(best, elapsed / n / 1000);
  }
  return best;
}
