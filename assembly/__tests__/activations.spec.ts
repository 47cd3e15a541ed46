// leaky_relu, elu and gelu forward and backward against scalar f64 references (gelu's Φ from
// an independent erf: its Maclaurin series, and erfc's continued fraction in the tails), over
// odd values including 0, ±tiny and large |z|.
import { activate, activationGrad, erfc64, ACT_LEAKY_RELU, ACT_ELU, ACT_GELU } from "../kernels/activations";
import { allocF, ld32, st32, seedLcg, rnd } from "./support";

function erfSeries(x: f64): f64 {
  if (Math.abs(x) >= 6) return x > 0 ? 1 : -1;
  let term = x;
  let sum = x;
  for (let n = 1; n < 300; n++) {
    term *= (-x * x) / <f64>n;
    const add = term / <f64>(2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
/** erfc(x) for x > 2 by its continued fraction, evaluated backwards over 200 terms. */
function erfcFraction(x: f64): f64 {
  let t = x;
  for (let k = 200; k >= 1; k--) t = x + <f64>k / 2 / t;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * t);
}
function erfcRef(x: f64): f64 {
  if (x > 2) return erfcFraction(x);
  if (x < -2) return 2 - erfcFraction(-x);
  return 1 - erfSeries(x);
}
function phiRef(z: f64): f64 {
  return 0.5 * erfcRef(-z / Math.SQRT2);
}
function fRef(act: i32, z: f64, alpha: f64): f64 {
  if (act == ACT_LEAKY_RELU) return z > 0 ? z : alpha * z;
  if (act == ACT_ELU) return z > 0 ? z : alpha * (Math.exp(z) - 1);
  return z * phiRef(z);
}
function gradRef(act: i32, z: f64, alpha: f64): f64 {
  if (act == ACT_LEAKY_RELU) return z > 0 ? 1 : alpha;
  if (act == ACT_ELU) return z > 0 ? 1 : alpha * Math.exp(z);
  return phiRef(z) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}
function near(actual: f64, expected: f64, rel: f64, abs: f64, what: string): void {
  if (!(Math.abs(actual - expected) <= rel * Math.abs(expected) + abs)) expect<f64>(actual).toBe(expected, what);
}

const N = 64; // a multiple of 4; the trailing PAD floats must stay untouched
const PAD = 4;
function values(): usize {
  const z = allocF(N + PAD);
  seedLcg(7);
  for (let i = 0; i < N; i++) st32(z, i, rnd() * 6); // [−6, 6)
  st32(z, 0, 0);
  st32(z, 1, -1e-30);
  st32(z, 2, 1e-30);
  st32(z, 3, -9);
  st32(z, 4, 9);
  st32(z, 5, -30);
  for (let i = N; i < N + PAD; i++) st32(z, i, 12345);
  return z;
}

function check(act: i32, alpha: f32, name: string): void {
  const z = values();
  const a = allocF(N + PAD);
  for (let i = N; i < N + PAD; i++) st32(a, i, 777);
  activate(z, a, N, act, alpha);
  for (let i = 0; i < N; i++) {
    near(
      <f64>ld32(a, i),
      fRef(act, <f64>ld32(z, i), <f64>alpha),
      3e-7,
      1e-37,
      name + " forward at z=" + ld32(z, i).toString(),
    );
  }
  expect<f32>(ld32(a, N)).toBe(777, name + ": forward wrote past n");
  // Backward: d = 1.5 everywhere, times f'(z).
  const d = allocF(N + PAD);
  for (let i = 0; i < N + PAD; i++) st32(d, i, 1.5);
  activationGrad(d, a, z, N, act, alpha);
  for (let i = 0; i < N; i++) {
    const zi = <f64>ld32(z, i);
    // elu's f'(z) = a + α cancels for very negative z: an f32 ulp of α is the floor there;
    // gelu's Φ(z) + z·φ(z) cancels near z ≈ −0.75: Φ's own error (≤ 4e-8 absolute) is the floor.
    const floor = act == ACT_ELU ? 1.5 * 1.2e-7 * <f64>alpha : act == ACT_GELU ? 1.5 * 1e-7 : 1e-37;
    near(
      <f64>ld32(d, i),
      1.5 * gradRef(act, zi, <f64>alpha),
      3e-7,
      floor,
      name + " backward at z=" + ld32(z, i).toString(),
    );
  }
  expect<f32>(ld32(d, N)).toBe(1.5, name + ": backward wrote past n");
  // In place (a == z) gives the same outputs.
  const zz = values();
  activate(zz, zz, N, act, alpha);
  for (let i = 0; i < N; i++) expect<f32>(ld32(zz, i)).toBe(ld32(a, i), name + " in place");
  heap.free(z);
  heap.free(a);
  heap.free(d);
  heap.free(zz);
}

describe("activations", () => {
  test("leaky_relu, Keras LeakyReLU's slope 0.3", () => {
    check(ACT_LEAKY_RELU, 0.3, "leaky_relu 0.3");
  });
  test("leaky_relu, slope 0 (ReLU) and 1.5", () => {
    check(ACT_LEAKY_RELU, 0, "leaky_relu 0");
    check(ACT_LEAKY_RELU, 1.5, "leaky_relu 1.5");
  });
  test("elu, α 1 (Keras' default) and 0.25", () => {
    check(ACT_ELU, 1, "elu 1");
    check(ACT_ELU, 0.25, "elu 0.25");
  });
  test("gelu (exact, Keras approximate=False)", () => {
    check(ACT_GELU, 0, "gelu");
  });
  test("each maps 0 to 0, so padded columns stay zero", () => {
    const z = allocF(4);
    const a = allocF(4);
    for (let act = ACT_LEAKY_RELU; act <= ACT_GELU; act++) {
      st32(a, 0, 9);
      activate(z, a, 4, act, 1);
      expect<f32>(ld32(a, 0)).toBe(0);
    }
  });
  test("erfc64: relative error < 1.3e-7 against series and continued fraction, over [−9, 9]", () => {
    for (let i = -900; i <= 900; i++) {
      const x = <f64>i / 100;
      near(erfc64(x), erfcRef(x), 1.3e-7, 0, "erfc at " + x.toString());
    }
  });
});
