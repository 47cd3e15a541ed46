// The js twin of assembly/kernels/softmax_xent.ts: softmax cross-entropy and the softmax
// probabilities, on float offsets into one Float32Array. Row-major, strides in floats.

/**
 * Softmax cross-entropy from the logits z [rows, ld] (the first `units` columns real), as
 * assembly/kernels/softmax_xent.ts: returns Σ loss (f64 sum of f32 per-row losses) and, when
 * dz >= 0, writes dz = (softmax − onehot)·scale with zero padding. Hits go to out.correct.
 */
export function softmaxXent(
  F: Float32Array,
  I: Int32Array,
  z: number,
  ld: number,
  units: number,
  rows: number,
  labels: number,
  dz: number,
  scale: number,
  out: { correct: number },
): number {
  const fr = Math.fround;
  let total = 0;
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const row = z + r * ld;
    let best = 0;
    let max = F[row];
    for (let j = 1; j < units; j++) {
      const v = F[row + j];
      if (v > max) {
        max = v;
        best = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < units; j++) sum = fr(sum + fr(Math.exp(fr(F[row + j] - max))));
    const y = I[labels + r];
    total += fr(fr(Math.log(sum)) - fr(F[row + y] - max));
    if (best === y) hits++;
    if (dz >= 0) {
      const drow = dz + r * ld;
      const inv = fr(scale / sum);
      for (let j = 0; j < units; j++) {
        const p = fr(fr(Math.exp(fr(F[row + j] - max))) * inv);
        F[drow + j] = j === y ? p - scale : p;
      }
      F.fill(0, drow + units, drow + ld);
    }
  }
  out.correct = hits;
  return total;
}

/** Probabilities of `rows` logit rows into out [rows, units], dense. */
export function softmaxRows(F: Float32Array, z: number, ld: number, units: number, rows: number, out: number): void {
  const fr = Math.fround;
  for (let r = 0; r < rows; r++) {
    const row = z + r * ld;
    const orow = out + r * units;
    let max = F[row];
    for (let j = 1; j < units; j++) max = Math.max(max, F[row + j]);
    let sum = 0;
    for (let j = 0; j < units; j++) {
      const e = fr(Math.exp(fr(F[row + j] - max)));
      F[orow + j] = e;
      sum = fr(sum + e);
    }
    const inv = fr(1 / sum);
    for (let j = 0; j < units; j++) F[orow + j] *= inv;
  }
}
