// Continual learning on a stream of tasks (Online Permuted MNIST): the online step (predict, then
// one update per example), the pixel permutation a task applies in the gather, Shrink and
// Perturb's noise, continual backprop's unit utilities and replacement (Dohare et al. 2024, "Loss
// of plasticity in deep continual learning"), and the activation statistics behind the ranks.
import { Model, Layer, layerAt, modelGradients, modelUpdate } from "./model";
import { fastPath, fastGather, fastForward, fastUpdate, fastSettle, decayPerStep } from "./online-step";
import { noiseStep, noiseCatchUpAll } from "./noise";
import { correct } from "./kernels/softmax_xent";
import { initUnit } from "./init";
import { rngSeed, shuffleIndices, RNG_STATE_BYTES } from "./prng";
import { resetMoments } from "./recycle";

/** The pixel permutation every later gather applies (x[j] = row[perm[j]]), or 0 for none. */
export function modelSetPermutation(m: Model, perm: usize): void {
  m.perm = perm;
}

/** Writes a permutation of 0 … n−1 drawn from its own generator seeded with `seed`. */
export function permutationOf(out: usize, n: i32, seed: u32): void {
  for (let i = 0; i < n; i++) store<u32>(out + (<usize>i << 2), <u32>i);
  const rng = heap.alloc(RNG_STATE_BYTES);
  rngSeed(rng, seed);
  shuffleIndices(rng, out, <u32>n);
  heap.free(rng);
}

/**
 * One online pass over `rows` examples: each is predicted (its loss and hit counted) and then
 * trained on alone, followed by the perturbation and replacement that are switched on. Returns the
 * summed loss; m.correct gets the hits. A non-finite loss stops the pass where it happened.
 */
export function modelTrainOnline(m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32, rows: i32): f64 {
  let loss: f64 = 0;
  let hits = 0;
  const fast = fastPath(m);
  // Continual backprop's sums follow the rows a step moves only when no decay or noise moves the rest.
  const tracked = fast && m.cbpRate > 0 && m.noiseSigma == 0 && decayPerStep(m) == 1;
  for (let l = 0; l < m.nLayers - 1 && m.cbpRate > 0; l++) layerAt(m, l).cbpStale = true; // the host may have moved W
  for (let s = 0; s < rows; s++) {
    let l: f64;
    if (fast) {
      fastGather(m, data, isU8, labels, idx, start + s);
      l = fastForward(m);
      m.correct = correct;
    } else {
      if (m.noiseSigma > 0) noiseCatchUpAll(m, decayPerStep(m)); // the general step reads every row
      l = modelGradients(m, data, isU8, labels, idx, start + s, 1);
    }
    hits += m.correct;
    loss += l;
    if (!isFinite(l)) break;
    if (fast) fastUpdate(m, tracked);
    else modelUpdate(m);
    if (m.noiseSigma > 0) noiseStep(m);
    if (m.cbpRate > 0) cbpStep(m, tracked);
  }
  settle(m); // the host and the probes read W
  m.correct = hits;
  return loss;
}

/** Gives every kernel the decay and noise still due, so that the stored kernels are W. */
function settle(m: Model): void {
  if (m.noiseSigma > 0) noiseCatchUpAll(m, decayPerStep(m));
  fastSettle(m);
}

// The bias correction 1 − η^age is looked up rather than computed (a pow per unit and step costs
// more than the rest of the utility): the table holds Math.pow's own values.
const CORRECTIONS = 65536;

@inline function cbpCorrection(m: Model, age: i32): f64 {
  if (age < m.cbpCorrN) return load<f64>(m.cbpCorr + (<usize>age << 3));
  const last = load<f64>(m.cbpCorr + (<usize>(m.cbpCorrN - 1) << 3));
  return last == 1 ? 1 : 1 - Math.pow(m.cbpDecay, <f64>age);
}

/**
 * Switches continual backprop on for every hidden layer: replacement rate ρ, utility decay η,
 * maturity (steps before a unit may be replaced), and each hidden layer's initialiser code (i32s
 * at inits) for the fresh input weights.
 */
export function modelCbpInit(m: Model, rate: f64, decay: f64, maturity: i32, inits: usize): void {
  m.cbpRate = rate;
  m.cbpDecay = decay;
  m.cbpMaturity = maturity;
  // 1 − η^age for the ages before it reaches 1 in f64 (3,700 or so for η = 0.99), at most CORRECTIONS.
  let n = 1;
  while (n < CORRECTIONS && 1 - Math.pow(decay, <f64>(n - 1)) != 1) n++;
  if (m.cbpCorr) heap.free(m.cbpCorr);
  m.cbpCorr = heap.alloc(<usize>n << 3);
  for (let a = 0; a < n; a++) store<f64>(m.cbpCorr + (<usize>a << 3), 1 - Math.pow(decay, <f64>a));
  m.cbpCorrN = n;
  if (m.cbpScratch == 0) m.cbpScratch = heap.alloc(<usize>m.maxWidth << 2);
  for (let l = 0; l < m.nLayers - 1; l++) {
    const layer = layerAt(m, l);
    const n = <usize>layer.units;
    if (layer.cbpAge == 0) {
      layer.cbpAge = heap.alloc(n << 2);
      layer.cbpUtil = heap.alloc(n << 3);
      layer.cbpMean = heap.alloc(n << 3);
      layer.cbpScore = heap.alloc(n << 3);
      layer.cbpPick = heap.alloc(n << 2);
      layer.cbpInMag = heap.alloc(<usize>layer.width << 2);
      layer.cbpOutMag = heap.alloc(n << 3);
    }
    layer.cbpStale = true;
    memory.fill(layer.cbpAge, 0, n << 2);
    memory.fill(layer.cbpUtil, 0, n << 3);
    memory.fill(layer.cbpMean, 0, n << 3);
    layer.cbpAccum = 0;
    layer.cbpPicks = 0;
    layer.cbpReplaced = 0;
    layer.init = load<i32>(inits + (<usize>l << 2));
  }
}

/** Units replaced in hidden layer l since continual backprop was switched on. */
export function layerCbpReplaced(m: Model, l: i32): i32 {
  return layerAt(m, l).cbpReplaced;
}

/** Unit i's running utility (f64, not bias-corrected) in hidden layer l, for the tests. */
export function layerCbpUtility(m: Model, l: i32, i: i32): f64 {
  return load<f64>(layerAt(m, l).cbpUtil + (<usize>i << 3));
}

/**
 * One step of continual backprop on the last example's activations, as the authors' generate-
 * and-test: every layer's ages and utilities first, then the replacements. With ĥ the running
 * mean of h and both corrected by 1 − η^age, unit i's new utility is
 * mean_k |W_out[i, k]| · |h_i − ĥ_i| / mean_j |W_in[j, i]|. Of the units older than the maturity,
 * ρ per step (fractions carried over) with the lowest corrected utility are replaced. With
 * `tracked`, the sums of weights a step did not move are kept from the step before.
 */
function cbpStep(m: Model, tracked: bool): void {
  settle(m); // the utilities read W: under weight decay or noise this settles every step
  for (let l = 0; l < m.nLayers - 1; l++) {
    const layer = layerAt(m, l);
    const next = layerAt(m, l + 1);
    const fanIn = l == 0 ? m.inputSize : layerAt(m, l - 1).units;
    if (!tracked || layer.cbpStale) {
      columnAbsSums(layer.w, fanIn, layer.width, layer.cbpInMag);
      for (let i = 0; i < layer.units; i++) {
        const outMag = rowMeanAbs(next.w + ((<usize>i * next.width) << 2), next.units, next.width);
        store<f64>(layer.cbpOutMag + (<usize>i << 3), outMag);
      }
      layer.cbpStale = false;
    } // else the step kept them (fastUpdate)
    let eligible = 0;
    let i = 0;
    for (; i + 2 <= layer.units; i += 2) eligible += unitsUtility(m, layer, i, fanIn, false);
    if (i < layer.units) eligible += unitsUtility(m, layer, i, fanIn, true);
    layer.cbpPicks = 0;
    if (eligible == 0) continue;
    layer.cbpAccum += m.cbpRate * <f64>eligible;
    const due = <i32>Math.floor(layer.cbpAccum);
    layer.cbpAccum -= <f64>due;
    // The `due` lowest scores, lowest index first among equals; due is almost always 0 or 1.
    const n = min(due, eligible);
    for (let k = 0; k < n; k++) {
      let pick = -1;
      let lowest: f64 = Infinity;
      for (let i = 0; i < layer.units; i++) {
        const score = load<f64>(layer.cbpScore + (<usize>i << 3));
        if (!isNaN(score) && (pick < 0 || score < lowest)) {
          lowest = score;
          pick = i;
        }
      }
      store<f64>(layer.cbpScore + (<usize>pick << 3), NaN);
      store<i32>(layer.cbpPick + (<usize>k << 2), pick);
    }
    layer.cbpPicks = n;
  }
  for (let l = 0; l < m.nLayers - 1; l++) {
    const layer = layerAt(m, l);
    for (let k = 0; k < layer.cbpPicks; k++) replace(m, l, layer, load<i32>(layer.cbpPick + (<usize>k << 2)));
    if (layer.cbpPicks > 0) {
      // A replacement moves a column of this layer's kernel (the layer below's outgoing weights)
      // and a row of the next (this layer's outgoing weights, the next one's incoming).
      if (l > 0) layerAt(m, l - 1).cbpStale = true;
      layer.cbpStale = true;
      if (l + 1 < m.nLayers - 1) layerAt(m, l + 1).cbpStale = true;
    }
  }
}

/**
 * Ages and utilities of units i and i + 1 of a hidden layer (only unit i when `one`; lane 1 then
 * holds nothing it stores), in f64x2 with each lane's operations those of a scalar step; writes
 * their scores and returns how many are mature.
 */
@inline function unitsUtility(m: Model, layer: Layer, i: i32, fanIn: i32, one: bool): i32 {
  const eta = m.cbpDecay;
  const pa = layer.cbpAge + (<usize>i << 2);
  const age0 = load<i32>(pa) + 1;
  const age1 = one ? age0 : load<i32>(pa, 4) + 1;
  store<i32>(pa, age0);
  if (!one) store<i32>(pa, age1, 4);
  const c0 = cbpCorrection(m, age0);
  const c1 = one ? c0 : cbpCorrection(m, age1);
  const correction = f64x2.replace_lane(f64x2.splat(c0), 1, c1);
  // Past the first few thousand steps of a unit the correction is exactly 1 (x / 1 is x).
  const young = c0 != 1 || c1 != 1;
  const h = f64x2.promote_low_f32x4(one ? v128.load32_zero(layer.a + (<usize>i << 2)) : v128.load64_zero(layer.a + (<usize>i << 2)));
  const pm = layer.cbpMean + (<usize>i << 3);
  const mean = f64x2.add(f64x2.mul(f64x2.splat(eta), load2(pm, one)), f64x2.mul(f64x2.splat(1 - eta), h));
  store2(pm, mean, one);
  const inMagSum = one ? v128.load32_zero(layer.cbpInMag + (<usize>i << 2)) : v128.load64_zero(layer.cbpInMag + (<usize>i << 2));
  const inMag = f64x2.div(f64x2.promote_low_f32x4(inMagSum), f64x2.splat(<f64>fanIn));
  const spread = f64x2.abs(f64x2.sub(h, young ? f64x2.div(mean, correction) : mean));
  const fresh = f64x2.div(f64x2.mul(load2(layer.cbpOutMag + (<usize>i << 3), one), spread), inMag);
  const pu = layer.cbpUtil + (<usize>i << 3);
  const util = f64x2.add(f64x2.mul(f64x2.splat(eta), load2(pu, one)), f64x2.mul(f64x2.splat(1 - eta), fresh));
  store2(pu, util, one);
  const score = young ? f64x2.div(util, correction) : util;
  const mature0 = age0 > m.cbpMaturity;
  const mature1 = !one && age1 > m.cbpMaturity;
  const ps = layer.cbpScore + (<usize>i << 3);
  store<f64>(ps, mature0 ? f64x2.extract_lane(score, 0) : NaN); // NaN: not a candidate
  if (!one) store<f64>(ps, mature1 ? f64x2.extract_lane(score, 1) : NaN, 8);
  return <i32>mature0 + <i32>mature1;
}

/** Two f64s at p (one, and a 0 beside it, when `one`). */
@inline function load2(p: usize, one: bool): v128 {
  return one ? v128.load64_zero(p) : v128.load(p);
}

/** Stores both lanes of v at p (lane 0 alone when `one`). */
@inline function store2(p: usize, v: v128, one: bool): void {
  if (one) v128.store64_lane(p, v, 0);
  else v128.store(p, v);
}

/**
 * out[j] = Σ_i |w[i, j]| over the first `rows` rows of width floats, in f32, in row order, with 8
 * (then 2) column vectors held in registers over the rows.
 */
function columnAbsSums(w: usize, rows: i32, width: i32, out: usize): void {
  const bytes = <usize>width << 2;
  const end = w + <usize>rows * bytes;
  const zero = f32x4.splat(0);
  let c: usize = 0;
  for (; c + 128 <= bytes; c += 128) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
    for (let p = w + c; p < end; p += bytes) {
      s0 = f32x4.add(s0, f32x4.abs(v128.load(p)));
      s1 = f32x4.add(s1, f32x4.abs(v128.load(p, 16)));
      s2 = f32x4.add(s2, f32x4.abs(v128.load(p, 32)));
      s3 = f32x4.add(s3, f32x4.abs(v128.load(p, 48)));
      s4 = f32x4.add(s4, f32x4.abs(v128.load(p, 64)));
      s5 = f32x4.add(s5, f32x4.abs(v128.load(p, 80)));
      s6 = f32x4.add(s6, f32x4.abs(v128.load(p, 96)));
      s7 = f32x4.add(s7, f32x4.abs(v128.load(p, 112)));
    }
    v128.store(out + c, s0);
    v128.store(out + c, s1, 16);
    v128.store(out + c, s2, 32);
    v128.store(out + c, s3, 48);
    v128.store(out + c, s4, 64);
    v128.store(out + c, s5, 80);
    v128.store(out + c, s6, 96);
    v128.store(out + c, s7, 112);
  }
  for (; c < bytes; c += 32) {
    let s0 = zero, s1 = zero;
    for (let p = w + c; p < end; p += bytes) {
      s0 = f32x4.add(s0, f32x4.abs(v128.load(p)));
      s1 = f32x4.add(s1, f32x4.abs(v128.load(p, 16)));
    }
    v128.store(out + c, s0);
    v128.store(out + c, s1, 16);
  }
}

/**
 * Σ|x| / n over a padded row of `width` f32s (its padding 0) whose first n are real, in f64:
 * four lanes (columns k mod 4), then (l0 + l1) + (l2 + l3).
 */
@inline function rowMeanAbs(p: usize, n: i32, width: i32): f64 {
  let lo = f64x2.splat(0);
  let hi = lo;
  for (let j: usize = 0; j < <usize>width << 2; j += 16) {
    const v = f32x4.abs(v128.load(p + j));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + (f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1))) / <f64>n;
}

/**
 * Gives unit i fresh input weights from its initialiser and bias 0, moves its mean contribution
 * into the next layer's bias (b_next += W_out[i, :]·ĥ_i), zeroes its outgoing weights, its
 * optimizer moments, age, utility and mean.
 */
function replace(m: Model, l: i32, layer: Layer, i: i32): void {
  const next = layerAt(m, l + 1);
  const fanIn = l == 0 ? m.inputSize : layerAt(m, l - 1).units;
  const age = load<i32>(layer.cbpAge + (<usize>i << 2));
  const mean = load<f64>(layer.cbpMean + (<usize>i << 3)) / cbpCorrection(m, age);
  const outRow = next.w + ((<usize>i * next.width) << 2);
  for (let k = 0; k < next.units; k++) {
    const pb = next.b + (<usize>k << 2);
    store<f32>(pb, load<f32>(pb) + <f32>(<f64>load<f32>(outRow + (<usize>k << 2)) * mean));
  }
  memory.fill(outRow, 0, (<usize>next.width) << 2);
  initUnit(m.rng, layer.w, layer.b, i, fanIn, layer.units, layer.width, layer.init);
  resetMoments(m, layer.w, layer.b, i, layer.inDim, layer.width, outRow, next.width);
  store<i32>(layer.cbpAge + (<usize>i << 2), 0);
  store<f64>(layer.cbpUtil + (<usize>i << 3), 0);
  store<f64>(layer.cbpMean + (<usize>i << 3), 0);
  layer.cbpReplaced++;
}

/**
 * Adds layer l's Gram matrix over the last forward's `rows` outputs, G[i][j] += Σ_r h_ri·h_rj
 * (f64, units × units, row-major at out): the singular values of the activation matrix are the
 * square roots of its eigenvalues.
 */
export function layerGramAccumulate(m: Model, l: i32, rows: i32, out: usize): void {
  const layer = layerAt(m, l);
  const n = layer.units;
  for (let r = 0; r < rows; r++) {
    const a = layer.a + ((<usize>r * layer.width) << 2);
    for (let i = 0; i < n; i++) {
      const hi = <f64>load<f32>(a + (<usize>i << 2));
      if (hi == 0) continue; // ReLU outputs are mostly zero
      const row = out + ((<usize>i * n) << 3);
      for (let j = 0; j < n; j++) {
        const p = row + (<usize>j << 3);
        store<f64>(p, load<f64>(p) + hi * <f64>load<f32>(a + (<usize>j << 2)));
      }
    }
  }
}
