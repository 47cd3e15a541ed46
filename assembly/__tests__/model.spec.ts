// The model's forward/backward/Adam plumbing against an independent f64 scalar MLP.
import {
  Model,
  modelReserve,
  modelFree,
  modelGradients,
  modelTrainBatch,
  modelEvaluate,
  modelStep,
  modelReplica,
  modelGradientsPart,
  modelReduce,
  modelUpdate,
  modelUpdateRange,
  layerAt,
  OPT_ADAM,
} from "../model";
import { OPTF_KIND, OPTF_LEARNING_RATE, OPTF_BETA1, OPTF_BETA2, OPTF_EPSILON } from "../codes";
import { ld32, rnd, seedLcg, reluMlp } from "./support";

// 5 inputs → Dense(9, relu) → Dense(6, relu) → Dense(3, softmax): widths 16, 8, 8, so every
// layer has padding columns and layers 1 and 2 have padding rows.
const IN = 5;
const NL = 3;
const UNITS: i32[] = [9, 6, 3];
const ROWS = 7;
const LR: f64 = 0.01;
const B1: f64 = 0.9;
const B2: f64 = 0.999;
const EPS: f64 = 1e-7;

/** A model whose optimizer descriptor is Keras' Adam at LR (the other fields stay 0). */
function newModel(seed: u32, capacity: i32): Model {
  const m = reluMlp(IN, UNITS, seed, capacity);
  store<f64>(m.opt + (OPTF_KIND << 3), OPT_ADAM);
  store<f64>(m.opt + (OPTF_LEARNING_RATE << 3), LR);
  store<f64>(m.opt + (OPTF_BETA1 << 3), B1);
  store<f64>(m.opt + (OPTF_BETA2 << 3), B2);
  store<f64>(m.opt + (OPTF_EPSILON << 3), EPS);
  return m;
}

/** Inputs in [−1, 1): zero-centred, so most ReLU units are active on some rows and not others. */
function toyData(): usize {
  const p = heap.alloc((<usize>(ROWS * IN)) << 2);
  seedLcg(0x1234567);
  for (let i = 0; i < ROWS * IN; i++) store<f32>(p + ((<usize>i) << 2), rnd());
  return p;
}
function toyLabels(): usize {
  const p = heap.alloc((<usize>ROWS) << 2);
  for (let r = 0; r < ROWS; r++) store<i32>(p + ((<usize>r) << 2), (r * 2) % 3);
  return p;
}
function fanIn(l: i32): i32 {
  return l == 0 ? IN : UNITS[l - 1];
}

// ---- f64 reference: forward, loss, backward, from the model's current weights ----
const refGW = new Array<Array<f64>>(NL); // [fanIn·units], dense
const refGB = new Array<Array<f64>>(NL);
let refHits = 0;

function refLossAndGradients(m: Model, data: usize, labels: usize): f64 {
  const acts = new Array<Array<f64>>(NL + 1); // acts[0] = input, acts[l + 1] = output of layer l
  acts[0] = new Array<f64>(ROWS * IN);
  for (let i = 0; i < ROWS * IN; i++) acts[0][i] = <f64>ld32(data, i);
  for (let l = 0; l < NL; l++) {
    const layer = layerAt(m, l);
    const fi = fanIn(l),
      u = UNITS[l];
    const out = new Array<f64>(ROWS * u);
    for (let r = 0; r < ROWS; r++) {
      for (let j = 0; j < u; j++) {
        let z = <f64>ld32(layer.b, j);
        for (let i = 0; i < fi; i++) z += acts[l][r * fi + i] * <f64>ld32(layer.w, i * layer.width + j);
        out[r * u + j] = l < NL - 1 ? Math.max(z, 0) : z;
      }
    }
    acts[l + 1] = out;
  }
  // Softmax cross-entropy and dlogits of the mean loss.
  const u = UNITS[NL - 1];
  let d = new Array<f64>(ROWS * u);
  let loss: f64 = 0;
  refHits = 0;
  for (let r = 0; r < ROWS; r++) {
    const y = load<i32>(labels + ((<usize>r) << 2));
    let mx: f64 = -Infinity;
    let best = 0;
    for (let j = 0; j < u; j++) {
      const z = acts[NL][r * u + j];
      if (z > mx) {
        mx = z;
        best = j;
      }
    }
    if (best == y) refHits++;
    let s: f64 = 0;
    for (let j = 0; j < u; j++) s += Math.exp(acts[NL][r * u + j] - mx);
    loss += Math.log(s) + mx - acts[NL][r * u + y];
    for (let j = 0; j < u; j++) {
      d[r * u + j] = (Math.exp(acts[NL][r * u + j] - mx) / s - (j == y ? 1.0 : 0.0)) / <f64>ROWS;
    }
  }
  for (let l = NL - 1; l >= 0; l--) {
    const layer = layerAt(m, l);
    const fi = fanIn(l),
      uo = UNITS[l];
    const gw = new Array<f64>(fi * uo);
    const gb = new Array<f64>(uo);
    for (let r = 0; r < ROWS; r++) {
      for (let j = 0; j < uo; j++) {
        const dj = d[r * uo + j];
        gb[j] += dj;
        for (let i = 0; i < fi; i++) gw[i * uo + j] += acts[l][r * fi + i] * dj;
      }
    }
    refGW[l] = gw;
    refGB[l] = gb;
    if (l == 0) break;
    const dPrev = new Array<f64>(ROWS * fi);
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < fi; i++) {
        if (!(acts[l][r * fi + i] > 0)) continue; // ReLU'(z) = [z > 0]
        let s: f64 = 0;
        for (let j = 0; j < uo; j++) s += <f64>ld32(layer.w, i * layer.width + j) * d[r * uo + j];
        dPrev[r * fi + i] = s;
      }
    }
    d = dPrev;
  }
  return loss;
}

function near(got: f64, want: f64, tol: f64, what: string): void {
  if (!(Math.abs(got - want) <= tol)) expect<f64>(got).toBe(want, what);
}

/** Every padding entry (rows ≥ fanIn, columns ≥ units) of a [inDim, width] arena block is exactly 0. */
function expectPaddingZero(m: Model, useGrads: bool, what: string): void {
  for (let l = 0; l < NL; l++) {
    const layer = layerAt(m, l);
    const w = useGrads ? layer.gw : layer.w;
    const b = useGrads ? layer.gb : layer.b;
    for (let i = 0; i < layer.inDim; i++) {
      for (let j = 0; j < layer.width; j++) {
        if (i < fanIn(l) && j < layer.units) continue;
        if (ld32(w, i * layer.width + j) != 0) {
          expect<f32>(ld32(w, i * layer.width + j)).toBe(
            0,
            what + ": layer " + l.toString() + " padding w[" + i.toString() + "," + j.toString() + "]",
          );
        }
      }
    }
    for (let j = layer.units; j < layer.width; j++) expect<f32>(ld32(b, j)).toBe(0, what + ": padding bias");
  }
}

describe("model", () => {
  test("layout: padded widths and arena offsets", () => {
    const m = newModel(3, 8);
    expect<i32>(layerAt(m, 0).inDim).toBe(5);
    expect<i32>(layerAt(m, 0).width).toBe(16);
    expect<i32>(layerAt(m, 1).inDim).toBe(16);
    expect<i32>(layerAt(m, 1).width).toBe(8);
    expect<i32>(layerAt(m, 2).inDim).toBe(8);
    expect<i32>(layerAt(m, 2).width).toBe(8);
    expect<i32>(m.nParams).toBe(5 * 16 + 16 + 16 * 8 + 8 + 8 * 8 + 8);
    expect<usize>(layerAt(m, 0).w).toBe(m.params);
    expect<usize>(layerAt(m, 2).b + (8 << 2)).toBe(m.params + ((<usize>m.nParams) << 2));
    // The Glorot draw fills only the real block; padding starts at exactly 0.
    expectPaddingZero(m, false, "fresh model");
    modelFree(m);
  });

  test("modelGradients matches the f64 reference: loss, hits, every weight and bias gradient", () => {
    const m = newModel(7, 8);
    const data = toyData();
    const labels = toyLabels();
    // Make the biases non-zero so the bias path is exercised.
    for (let l = 0; l < NL; l++) {
      const layer = layerAt(m, l);
      for (let j = 0; j < layer.units; j++) store<f32>(layer.b + ((<usize>j) << 2), <f32>(j % 3) * 0.05 - 0.02);
    }
    const loss = modelGradients(m, data, false, labels, 0, 0, ROWS);
    const want = refLossAndGradients(m, data, labels);
    near(loss, want, 1e-5 * want, "loss");
    expect<i32>(m.correct).toBe(refHits);
    let checked = 0;
    for (let l = 0; l < NL; l++) {
      const layer = layerAt(m, l);
      const fi = fanIn(l),
        u = UNITS[l];
      for (let i = 0; i < fi; i++) {
        for (let j = 0; j < u; j++) {
          near(
            <f64>ld32(layer.gw, i * layer.width + j),
            refGW[l][i * u + j],
            1e-6,
            "layer " + l.toString() + " dW[" + i.toString() + "," + j.toString() + "]",
          );
          checked++;
        }
      }
      for (let j = 0; j < u; j++) {
        near(<f64>ld32(layer.gb, j), refGB[l][j], 1e-6, "layer " + l.toString() + " db[" + j.toString() + "]");
      }
    }
    expect<i32>(checked).toBe(5 * 9 + 9 * 6 + 6 * 3);
    expectPaddingZero(m, true, "gradients");
    heap.free(data);
    heap.free(labels);
    modelFree(m);
  });

  test("modelTrainBatch applies Keras Adam with t = 1, 2 to the batch gradients", () => {
    const m = newModel(11, 8);
    const data = toyData();
    const labels = toyLabels();
    const n = m.nParams;
    const w0 = new StaticArray<f32>(n);
    const g = new StaticArray<f32>(n);
    modelGradients(m, data, false, labels, 0, 0, ROWS);
    for (let i = 0; i < n; i++) {
      w0[i] = ld32(m.params, i);
      g[i] = ld32(m.grads, i);
    }
    expect<i32>(modelStep(m)).toBe(0);
    modelTrainBatch(m, data, false, labels, 0, 0, ROWS);
    expect<i32>(modelStep(m)).toBe(1);
    // t = 1: m = (1−β1)g, v = (1−β2)g², α = lr·√(1−β2)/(1−β1) ⇒ Δw = −lr·g/(|g| + ε/√(1−β2)).
    for (let i = 0; i < n; i++) {
      const gi = <f64>g[i];
      const want = <f64>w0[i] - (LR * gi) / (Math.abs(gi) + EPS / Math.sqrt(1 - B2));
      near(<f64>ld32(m.params, i), want, 2e-7 + 1e-6 * Math.abs(want), "param " + i.toString() + " after step 1");
    }
    // t = 2: w2 = w1 − α2·m2/(√v2 + ε), α2 = lr·√(1−β2²)/(1−β1²), moments read back from the arena.
    const w1 = new StaticArray<f32>(n);
    for (let i = 0; i < n; i++) w1[i] = ld32(m.params, i);
    modelTrainBatch(m, data, false, labels, 0, 0, ROWS);
    expect<i32>(modelStep(m)).toBe(2);
    const a2 = (LR * Math.sqrt(1 - B2 * B2)) / (1 - B1 * B1);
    for (let i = 0; i < n; i++) {
      const mi = <f64>ld32(m.m, i),
        vi = <f64>ld32(m.v, i);
      const want = <f64>w1[i] - (a2 * mi) / (Math.sqrt(vi) + EPS);
      near(<f64>ld32(m.params, i), want, 2e-7 + 1e-6 * Math.abs(want), "param " + i.toString() + " after step 2");
    }
    heap.free(data);
    heap.free(labels);
    modelFree(m);
  });

  test("training lowers the loss on a fixed toy batch; padding stays exactly 0", () => {
    const m = newModel(5, 8);
    const data = toyData();
    const labels = toyLabels();
    let first: f64 = 0;
    let last: f64 = 0;
    let prev: f64 = Infinity;
    let increases = 0;
    for (let s = 0; s < 40; s++) {
      const loss = modelTrainBatch(m, data, false, labels, 0, 0, ROWS);
      expect<bool>(isFinite(loss)).toBe(true);
      if (s == 0) first = loss;
      if (loss > prev) increases++;
      prev = loss;
      last = loss;
    }
    expect<i32>(modelStep(m)).toBe(40);
    expect<f64>(last).toBeLessThan(0.7 * first);
    expect<i32>(increases).toBeLessThan(5);
    expectPaddingZero(m, false, "after 40 Adam steps");
    heap.free(data);
    heap.free(labels);
    modelFree(m);
  });

  test("a data-parallel step: two slices (model + replica), reduced, give the batch; two ranges give modelUpdate", () => {
    const whole = newModel(17, 8);
    const m = newModel(17, 8); // the same seed: the same weights
    const r = modelReplica(m);
    modelReserve(r, 4);
    expect<usize>(layerAt(r, 1).w).toBe(layerAt(m, 1).w, "the replica reads m's parameters");
    expect<bool>(layerAt(r, 1).gw != layerAt(m, 1).gw).toBe(true, "and writes gradients of its own");
    const data = toyData();
    const labels = toyLabels();
    const loss = modelGradients(whole, data, false, labels, 0, 0, ROWS);
    const hits = whole.correct;
    const l0 = modelGradientsPart(m, data, false, labels, 0, 0, 4, ROWS);
    const l1 = modelGradientsPart(r, data, false, labels, 0, 4, ROWS - 4, ROWS);
    near(l0 + l1, loss, 1e-6 * loss, "summed slice losses");
    expect<i32>(m.correct + r.correct).toBe(hits);
    const table = heap.alloc(sizeof<usize>());
    store<usize>(table, changetype<usize>(r));
    modelReduce(m, table, 1, 0, m.nParams);
    for (let i = 0; i < m.nParams; i++) {
      const g = <f64>ld32(whole.grads, i);
      near(<f64>ld32(m.grads, i), g, 1e-5 * (Math.abs(g) + 1e-3), "reduced gradient " + i.toString());
    }
    // The update split in two ranges is the whole update, bit for bit.
    memory.copy(m.grads, whole.grads, (<usize>m.nParams) << 2);
    modelUpdate(whole);
    const half = (m.nParams / 16) * 8;
    modelUpdateRange(m, 1, 0, half);
    modelUpdateRange(m, 1, half, m.nParams);
    for (let i = 0; i < m.nParams; i++) {
      expect<f32>(ld32(m.params, i)).toBe(ld32(whole.params, i), "parameter " + i.toString());
      expect<f32>(ld32(m.v, i)).toBe(ld32(whole.v, i), "second moment " + i.toString());
    }
    heap.free(table);
    heap.free(data);
    heap.free(labels);
    modelFree(r);
    modelFree(m);
    modelFree(whole);
  });

  test("modelEvaluate matches the loss trainBatch reports before its update, in any chunking", () => {
    const a = newModel(21, 8); // whole batch in one chunk
    const b = newModel(99, 3); // evaluates in chunks of 3 + 3 + 1 (capacity 3 cannot train on 7 rows)
    const data = toyData();
    const labels = toyLabels();
    for (let s = 0; s < 3; s++) {
      memory.copy(b.params, a.params, (<usize>a.nParams) << 2);
      const evalA = modelEvaluate(a, data, false, labels, 0, 0, ROWS);
      const hitsA = a.correct;
      const evalB = modelEvaluate(b, data, false, labels, 0, 0, ROWS);
      const ref = refLossAndGradients(a, data, labels);
      expect<i32>(hitsA).toBe(refHits);
      expect<i32>(b.correct).toBe(refHits);
      const lossA = modelTrainBatch(a, data, false, labels, 0, 0, ROWS);
      expect<f64>(lossA).toBe(evalA);
      near(evalB, evalA, 1e-12 * evalA, "chunked evaluate");
      near(evalA, ref, 1e-5 * ref, "evaluate vs reference");
    }
    heap.free(data);
    heap.free(labels);
    modelFree(a);
    modelFree(b);
  });
});
