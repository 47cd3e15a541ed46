// The rank measures of a layer's representation (Dohare et al. 2024 take them from Roy &
// Vetterli 2007 and Yang et al. 2020): from the singular values σ_1 ≥ σ_2 ≥ … of the probe ×
// units activation matrix H, which are the square roots of the eigenvalues of its Gram matrix
// HᵀH. The engine accumulates HᵀH; its eigenvalues are found here in f64 by ml-matrix's symmetric
// eigendecomposition (Householder tridiagonalisation and the implicit QL method), a well-kept
// implementation of the classical algorithm, cubic in the width and fast enough up to a few
// thousand units.
import { EigenvalueDecomposition, Matrix } from "ml-matrix";

/** The singular values, largest first, of the matrix whose Gram matrix (n × n, row-major) is given. */
export function singularValuesFromGram(gram: Float64Array, n: number): number[] {
  if (gram.length !== n * n) throw new RangeError(`a ${n} × ${n} Gram matrix has ${n * n} entries, got ${gram.length}`);
  const rows = Array.from({ length: n }, (_, i) => Array.from(gram.subarray(i * n, (i + 1) * n)));
  // Symmetrise: the engine adds the two triangles in the same order, but be exact about it.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) rows[i][j] = rows[j][i] = (rows[i][j] + rows[j][i]) / 2;
  const { realEigenvalues } = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0))).sort((a, b) => b - a);
}

/** Roy & Vetterli's effective rank exp(−Σ p_k ln p_k), p_k = σ_k / Σσ; 0 for a zero matrix. */
export function effectiveRank(sigma: readonly number[]): number {
  const total = sigma.reduce((s, x) => s + x, 0);
  if (!(total > 0)) return 0;
  let entropy = 0;
  for (const x of sigma) {
    const p = x / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/** The smallest k whose k largest singular values hold a share `threshold` of Σσ (0 for a zero matrix). */
export function approximateRank(sigma: readonly number[], threshold = 0.99): number {
  const sorted = [...sigma].sort((a, b) => b - a);
  const total = sorted.reduce((s, x) => s + x, 0);
  if (!(total > 0)) return 0;
  let sum = 0;
  for (let k = 0; k < sorted.length; k++) {
    sum += sorted[k];
    if (sum >= threshold * total) return k + 1;
  }
  return sorted.length;
}
