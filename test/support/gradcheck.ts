// Asserts that an engine's gradients match central finite differences of the float64 reference.
import { expect } from "vitest";
import type { LayerWeights } from "../../src/index.js";
import { finiteDifferences, type Net64 } from "./mlp64.js";

/** Checks every kernel and bias entry (|ours − fd| < 1e-5 + 1e-3·|fd|); returns how many. */
export function expectFiniteDifferenceGradients(
  grads: LayerWeights[],
  net: Net64,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): number {
  const fd = finiteDifferences(net, x, y);
  let checked = 0;
  const compare = (ours: Float32Array[], ref: Float64Array[]) =>
    ref.forEach((r, l) =>
      r.forEach((v, i) => {
        expect(Math.abs(ours[l][i] - v)).toBeLessThan(1e-5 + 1e-3 * Math.abs(v));
        checked++;
      }),
    );
  compare(
    grads.map((g) => g.kernel),
    fd.kernels,
  );
  compare(
    grads.map((g) => g.bias),
    fd.biases,
  );
  return checked;
}
