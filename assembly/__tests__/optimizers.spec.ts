// sgd, rmsprop (plain and centered), weightDecay, clipByValue, clipByNorm and clipByGlobalNorm
// against hand-computed Keras 3 steps.
import {
  sgd,
  rmsprop,
  weightDecay,
  clipByValue,
  clipByNorm,
  clipByGlobalNorm,
  l2Grad,
  sumSquares,
} from "../kernels/optimizers";
import { allocF, ld32, st32 } from "./support";

function near(actual: f32, expected: f64, what: string): void {
  if (!(Math.abs(<f64>actual - expected) <= 1e-6 * Math.abs(expected) + 1e-12))
    expect<f64>(<f64>actual).toBe(expected, what);
}

/** Four parameters w = 1, g = (0.5, −0.25, 0, 2), plus a trailing vector that must stay put. */
function setup(): usize {
  const p = allocF(3 * 8); // w[8], g[8], m[8]
  for (let i = 0; i < 8; i++) st32(p, i, 1);
  st32(p, 8, 0.5);
  st32(p, 9, -0.25);
  st32(p, 10, 0);
  st32(p, 11, 2);
  for (let i = 12; i < 16; i++) st32(p, i, 9);
  return p;
}
const G: f64[] = [0.5, -0.25, 0, 2];

describe("sgd (Keras 3)", () => {
  test("no momentum: w −= lr·g", () => {
    const p = setup();
    sgd(p, p + 32, p + 64, 4, 0.1, 0, false);
    for (let i = 0; i < 4; i++) near(ld32(p, i), 1 - 0.1 * G[i], "w" + i.toString());
    expect<f32>(ld32(p, 4)).toBe(1, "past n");
  });
  test("momentum 0.9, two steps: m = 0.9m − lr·g, w += m", () => {
    const p = setup();
    sgd(p, p + 32, p + 64, 4, 0.1, 0.9, false);
    sgd(p, p + 32, p + 64, 4, 0.1, 0.9, false);
    for (let i = 0; i < 4; i++) {
      const m1 = -0.1 * G[i];
      const m2 = 0.9 * m1 - 0.1 * G[i];
      near(ld32(p, 16 + i), m2, "m" + i.toString());
      near(ld32(p, i), 1 + m1 + m2, "w" + i.toString());
    }
  });
  test("Nesterov, two steps: w += 0.9m − lr·g", () => {
    const p = setup();
    sgd(p, p + 32, p + 64, 4, 0.1, 0.9, true);
    sgd(p, p + 32, p + 64, 4, 0.1, 0.9, true);
    for (let i = 0; i < 4; i++) {
      const m1 = -0.1 * G[i];
      const m2 = 0.9 * m1 - 0.1 * G[i];
      near(ld32(p, i), 1 + (0.9 * m1 - 0.1 * G[i]) + (0.9 * m2 - 0.1 * G[i]), "w" + i.toString());
    }
  });
});

describe("rmsprop (Keras 3, centered = false)", () => {
  test("two steps, no momentum: v = ρv + (1 − ρ)g², w −= lr·g/√(v + ε)", () => {
    const p = setup();
    const vel = allocF(8);
    const mom = allocF(8);
    rmsprop(p, p + 32, vel, mom, 0, 4, 0.01, 0.9, <f32>(1 - 0.9), 0, 1e-7, false);
    rmsprop(p, p + 32, vel, mom, 0, 4, 0.01, 0.9, <f32>(1 - 0.9), 0, 1e-7, false);
    for (let i = 0; i < 4; i++) {
      const v1 = 0.1 * G[i] * G[i];
      const v2 = 0.9 * v1 + 0.1 * G[i] * G[i];
      near(ld32(vel, i), v2, "v" + i.toString());
      near(
        ld32(p, i),
        1 - (0.01 * G[i]) / Math.sqrt(v1 + 1e-7) - (0.01 * G[i]) / Math.sqrt(v2 + 1e-7),
        "w" + i.toString(),
      );
    }
  });
  test("momentum 0.5: mom = 0.5·mom + inc, w −= mom", () => {
    const p = setup();
    const vel = allocF(8);
    const mom = allocF(8);
    rmsprop(p, p + 32, vel, mom, 0, 4, 0.01, 0.9, <f32>(1 - 0.9), 0.5, 1e-7, false);
    rmsprop(p, p + 32, vel, mom, 0, 4, 0.01, 0.9, <f32>(1 - 0.9), 0.5, 1e-7, false);
    for (let i = 0; i < 4; i++) {
      const v1 = 0.1 * G[i] * G[i];
      const v2 = 0.9 * v1 + 0.1 * G[i] * G[i];
      const k1 = (0.01 * G[i]) / Math.sqrt(v1 + 1e-7);
      const k2 = 0.5 * k1 + (0.01 * G[i]) / Math.sqrt(v2 + 1e-7);
      near(ld32(mom, i), k2, "mom" + i.toString());
      near(ld32(p, i), 1 - k1 - k2, "w" + i.toString());
    }
  });
});

describe("rmsprop (Keras 3, centered = true)", () => {
  test("two steps: a = ρa + (1 − ρ)g, w −= lr·g/√((v − a²) + ε), momentum 0 and 0.5", () => {
    for (let k = 0; k < 2; k++) {
      const momentum: f64 = k == 0 ? 0 : 0.5;
      const p = setup();
      const vel = allocF(8);
      const mom = allocF(8);
      const avg = allocF(8);
      rmsprop(p, p + 32, vel, mom, avg, 4, 0.01, 0.9, <f32>(1 - 0.9), <f32>momentum, 1e-7, true);
      rmsprop(p, p + 32, vel, mom, avg, 4, 0.01, 0.9, <f32>(1 - 0.9), <f32>momentum, 1e-7, true);
      for (let i = 0; i < 4; i++) {
        const g = G[i];
        const v1 = 0.1 * g * g;
        const a1 = 0.1 * g;
        const v2 = 0.9 * v1 + 0.1 * g * g;
        const a2 = 0.9 * a1 + 0.1 * g;
        // v − a² = 0.09g² after step 1 and 0.19g² − 0.0361g² = 0.1539g² after step 2.
        const k1 = (0.01 * g) / Math.sqrt(v1 - a1 * a1 + 1e-7);
        const k2 = momentum * k1 + (0.01 * g) / Math.sqrt(v2 - a2 * a2 + 1e-7);
        near(ld32(avg, i), a2, "a" + i.toString());
        near(ld32(vel, i), v2, "v" + i.toString());
        near(ld32(p, i), 1 - k1 - k2, "w" + i.toString());
      }
      expect<f32>(ld32(avg, 4)).toBe(0, "past n");
    }
  });
});

describe("gradient clipping and weight decay", () => {
  test("weightDecay: w − w·wd·lr", () => {
    const p = setup();
    st32(p, 1, -3);
    weightDecay(p, 4, 0.004, 0.5);
    near(ld32(p, 0), 1 - 0.002, "w0");
    near(ld32(p, 1), -3 + 3 * 0.002, "w1");
    expect<f32>(ld32(p, 4)).toBe(1, "past n");
  });
  test("clipByValue: into [−c, c]", () => {
    const p = setup();
    clipByValue(p + 32, 4, 0.3);
    near(ld32(p, 8), 0.3, "g0");
    near(ld32(p, 9), -0.25, "g1");
    near(ld32(p, 10), 0, "g2");
    near(ld32(p, 11), 0.3, "g3");
    expect<f32>(ld32(p, 12)).toBe(9, "past n");
  });
  test("clipByNorm: g·c/max(‖g‖, c); a small gradient is untouched, a zero one stays 0", () => {
    const p = setup();
    const norm = Math.sqrt(0.25 + 0.0625 + 4);
    clipByNorm(p + 32, 4, 1);
    for (let i = 0; i < 4; i++) near(ld32(p, 8 + i), G[i] / norm, "g" + i.toString());
    expect<f32>(ld32(p, 12)).toBe(9, "past n");
    const q = setup();
    clipByNorm(q + 32, 4, 10);
    for (let i = 0; i < 4; i++) near(ld32(q, 8 + i), G[i], "unclipped g" + i.toString());
    const z = allocF(4);
    clipByNorm(z, 4, 1);
    for (let i = 0; i < 4; i++) expect<f32>(ld32(z, i)).toBe(0);
  });
});

describe("global clipnorm", () => {
  test("clipByGlobalNorm: every value times c·min(1/‖g‖, 1/c) over the whole arena; ∞ gives NaN", () => {
    const gs: f64[] = [0.5, -0.25, 0, 2, 1, -1, 0, 3];
    const norm = Math.sqrt(0.25 + 0.0625 + 4 + 1 + 1 + 9);
    const g = allocF(8);
    for (let i = 0; i < 8; i++) st32(g, i, <f32>gs[i]);
    clipByGlobalNorm(g, 8, 2);
    for (let i = 0; i < 8; i++) near(ld32(g, i), (gs[i] * 2) / norm, "g" + i.toString());
    for (let i = 0; i < 8; i++) st32(g, i, <f32>gs[i]);
    clipByGlobalNorm(g, 8, 10); // ‖g‖ < c: scale c·(1/c)
    for (let i = 0; i < 8; i++) near(ld32(g, i), gs[i], "unclipped g" + i.toString());
    st32(g, 3, Infinity);
    clipByGlobalNorm(g, 8, 1);
    for (let i = 0; i < 8; i++) expect<bool>(isNaN(ld32(g, i))).toBe(true, "NaN g" + i.toString());
  });
});

describe("L2 kernel regulariser", () => {
  test("l2Grad: g += 2λ·w; sumSquares: Σw²", () => {
    const p = setup();
    st32(p, 1, -3);
    l2Grad(p, p + 32, 4, 0.1);
    near(ld32(p, 8), 0.5 + 0.1, "g0");
    near(ld32(p, 9), -0.25 - 0.3, "g1");
    near(ld32(p, 10), 0.1, "g2");
    near(ld32(p, 11), 2.1, "g3");
    expect<f32>(ld32(p, 12)).toBe(9, "past n");
    expect<f64>(sumSquares(p, 4)).toBe(1 + 9 + 1 + 1);
  });
});
