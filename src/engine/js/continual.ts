// The js twin of assembly/continual.ts: the online pass, the task permutation, Shrink and
// Perturb's noise, continual backprop's utilities and replacement, and the Gram matrices behind
// the ranks, with the same order of operations (the noise bit for bit; the utilities, kept in
// f64, up to the last bits of Math.pow).
import type { Heap } from "./heap.js";
import type { Layer, Model } from "./model.js";
import { initUnit, rngNormal } from "./init.js";
import { rngNext, rngSeed, shuffleIndices } from "./prng.js";
import { softmaxXent } from "./softmax_xent.js";
import {
  ACT_RELU,
  ACT_SOFTMAX,
  OPT_FIELDS,
  OPT_SGD,
  OPTF_CLIPNORM,
  OPTF_CLIPVALUE,
  OPTF_GLOBAL_CLIPNORM,
  OPTF_KIND,
  OPTF_LEARNING_RATE,
  OPTF_MOMENTUM,
  OPTF_WEIGHT_DECAY,
  NOISE_TABLE,
  NOISE_GAINS,
  SETTLE_SHIFT,
} from "../codes.js";

/** What the continual functions need of the engine around them (createJsKernels). */
export interface Engine {
  heap: Heap;
  model(m: number): Model;
  layer(m: number, l: number): Layer;
  /** modelGradients on a Model. */
  gradients(md: Model, data: number, isU8: number, labels: number, idx: number, start: number, rows: number): number;
  /** The batch gather into md.x and md.y. */
  gather(md: Model, data: number, isU8: number, labels: number, idx: number, start: number, rows: number): void;
  modelUpdate(m: number): void;
}

export function continualKernels(e: Engine) {
  const { heap } = e;

  function permutationOf(out: number, n: number, seed: number): void {
    const U = heap.U;
    const base = out >> 2;
    for (let i = 0; i < n; i++) U[base + i] = i;
    const rng = new Uint32Array(4);
    rngSeed(rng, seed);
    shuffleIndices(rng, U, base, n);
  }

  function modelTrainOnline(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    const md = e.model(m);
    let loss = 0;
    let hits = 0;
    const fast = fastPath(md);
    const tracked = fast && md.cbpRate > 0 && md.noiseSigma === 0 && decayPerStep(md) === 1;
    if (md.cbpRate > 0) for (const ly of md.layers.slice(0, -1)) cbpOf(ly).stale = true;
    for (let s = 0; s < rows; s++) {
      let l: number;
      if (fast) {
        e.gather(md, data, isU8, labels, idx, start + s, 1);
        l = fastForward(md);
      } else {
        if (md.noiseSigma > 0) noiseCatchUpAll(md);
        l = e.gradients(md, data, isU8, labels, idx, start + s, 1);
      }
      hits += md.correct;
      loss += l;
      if (!Number.isFinite(l)) break;
      if (fast) fastUpdate(md, tracked);
      else e.modelUpdate(m);
      if (md.noiseSigma > 0) noiseStep(md);
      if (md.cbpRate > 0) cbpStep(md, tracked);
    }
    settle(md);
    md.correct = hits;
    return loss;
  }

  function fastPath(md: Model): boolean {
    const d = new Float64Array(heap.memory.buffer, md.opt, OPT_FIELDS);
    if (d[OPTF_KIND] !== OPT_SGD || d[OPTF_MOMENTUM] !== 0) return false;
    if (d[OPTF_CLIPNORM] > 0 || d[OPTF_CLIPVALUE] > 0 || d[OPTF_GLOBAL_CLIPNORM] > 0) return false;
    return md.layers.every(
      (ly, l) => ly.l2 === 0 && ly.activation === (l < md.layers.length - 1 ? ACT_RELU : ACT_SOFTMAX),
    );
  }

  /** assembly/online-step.ts' fastForward, lane for lane. */
  function fastForward(md: Model): number {
    const F = heap.F;
    const fr = Math.fround;
    const scale = fr(md.wScale);
    const sigma = md.noiseSigma / md.wScale;
    let input = md.x >> 2;
    let inN = md.inputSize;
    md.layers.forEach((ly, l) => {
      const a = ly.a >> 2;
      F.fill(0, a, a + ly.width);
      for (let i = 0; i < inN; i++) {
        const xi = F[input + i];
        if (xi === 0) continue;
        if (sigma > 0) catchUpRow(md, ly, i, sigma);
        const row = (ly.w >> 2) + i * ly.width;
        for (let j = 0; j < ly.width; j++) F[a + j] += fr(xi * F[row + j]);
      }
      const hidden = l < md.layers.length - 1;
      for (let j = 0; j < ly.width; j++) {
        const z = fr(fr(F[a + j] * scale) + F[(ly.b >> 2) + j]);
        F[a + j] = hidden ? Math.max(z, 0) : z;
      }
      input = a;
      inN = ly.units;
    });
    const out = md.layers[md.layers.length - 1];
    return softmaxXent(F, heap.I, out.a >> 2, out.width, out.units, 1, md.y >> 2, md.d0 >> 2, 1, md);
  }

  /** assembly/online-step.ts' fastUpdate, lane for lane: the decay in the scale, rows of zero inputs left. */
  function fastUpdate(md: Model, track: boolean): void {
    const F = heap.F;
    const fr = Math.fround;
    const d = new Float64Array(heap.memory.buffer, md.opt, OPT_FIELDS);
    const lr = fr(d[OPTF_LEARNING_RATE]);
    const wd = fr(d[OPTF_WEIGHT_DECAY]);
    const before = fr(md.wScale);
    md.wScale *= decayPerStep(md);
    const lrStored = fr(lr / md.wScale);
    let delta = md.d0 >> 2;
    let below = md.d1 >> 2;
    const lanes = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let l = md.layers.length - 1; l >= 0; l--) {
      const ly = md.layers[l];
      const prev = l > 0 ? md.layers[l - 1].a >> 2 : md.x >> 2;
      const inN = l > 0 ? md.layers[l - 1].units : md.inputSize;
      const change = new Float32Array(ly.width);
      const lower = l > 0 && track ? cbpOf(md.layers[l - 1]) : undefined;
      for (let i = 0; i < inN; i++) {
        const ai = F[prev + i];
        const row = (ly.w >> 2) + i * ly.width;
        if (l > 0) {
          // Two accumulators of four lanes: column j goes to lane j mod 8, then lanes k and k + 4 meet.
          lanes.fill(0);
          if (ai > 0)
            for (let j = 0; j < ly.width; j++) lanes[j & 7] = fr(lanes[j & 7] + fr(F[row + j] * F[delta + j]));
          const s = [0, 1, 2, 3].map((k) => fr(lanes[k] + lanes[k + 4]));
          F[below + i] = fr(fr(fr(s[0] + s[1]) + fr(s[2] + s[3])) * before);
        }
        if (ai === 0) continue;
        const moved = [0, 0, 0, 0]; // the row's change in |w|, column j in lane j mod 4
        for (let j = 0; j < ly.width; j++) {
          const old = F[row + j];
          F[row + j] = fr(old - fr(fr(ai * F[delta + j]) * lrStored));
          if (!track) continue;
          const d = fr(Math.abs(F[row + j]) - Math.abs(old));
          change[j] = fr(change[j] + d);
          moved[j & 3] = fr(moved[j & 3] + d);
        }
        if (lower && !lower.stale) lower.outMag[i] += fr(fr(moved[0] + moved[1]) + fr(moved[2] + moved[3])) / ly.units;
      }
      if (track && l < md.layers.length - 1 && !cbpOf(ly).stale) {
        const inMag = cbpOf(ly).inMag;
        for (let j = 0; j < ly.width; j++) inMag[j] = fr(inMag[j] + change[j]);
      }
      const b = ly.b >> 2;
      for (let j = 0; j < ly.width; j++) {
        let v = F[b + j];
        if (wd > 0) v = fr(v - fr(fr(v * wd) * lr));
        F[b + j] = fr(v - fr(F[delta + j] * lr));
      }
      if (l > 0) {
        F.fill(0, below + inN, below + md.layers[l - 1].width);
        [delta, below] = [below, delta];
      }
    }
    md.step++;
    if (md.wScale < 2 ** -SETTLE_SHIFT) scaleIn(md);
  }

  /** assembly/continual.ts' settle. */
  function settle(md: Model): void {
    if (md.noiseSigma > 0) noiseCatchUpAll(md);
    scaleIn(md);
  }

  /** assembly/online-step.ts' fastSettle. */
  function scaleIn(md: Model): void {
    if (md.wScale === 1) return;
    const F = heap.F;
    const scale = Math.fround(md.wScale);
    for (const ly of md.layers) {
      const w = ly.w >> 2;
      for (let p = w; p < w + ly.inDim * ly.width; p++) F[p] = Math.fround(F[p] * scale);
    }
    md.wScale = 1;
  }

  /** assembly/noise.ts' modelSetNoise. */
  function modelSetNoise(m: number, sigma: number): void {
    const md = e.model(m);
    md.noiseSigma = sigma;
    md.noiseClock = 0;
    if (sigma === 0) return;
    md.noiseCursor = rngNext(md.rng) & (NOISE_TABLE - 1);
    if (md.noiseTable === null) {
      const table = new Float32Array(NOISE_TABLE + md.maxWidth);
      for (let i = 0; i < NOISE_TABLE; i++) table[i] = rngNormal(md.rng);
      table.copyWithin(NOISE_TABLE, 0, md.maxWidth);
      md.noiseTable = table;
      md.noiseGain = new Float64Array(NOISE_GAINS);
      md.noiseDecay = Number.NaN;
    }
    for (const ly of md.layers) ly.noiseSeen = new Int32Array(ly.inDim);
  }

  /** assembly/noise.ts' noiseStep: the biases' noise now, the kernel rows' when next read. */
  function noiseStep(md: Model): void {
    md.noiseClock++;
    md.noiseCursor = rngNext(md.rng) & (NOISE_TABLE - 1);
    for (const ly of md.layers) addRun(md, ly.b >> 2, ly.units, Math.fround(md.noiseSigma));
  }

  /** assembly/noise.ts' catchUpRow: row i of a layer's kernel takes the noise due. */
  function catchUpRow(md: Model, ly: Layer, i: number, sigma: number): void {
    const r = decayPerStep(md);
    const gains = md.noiseGain as Float64Array;
    if (r !== md.noiseDecay) {
      md.noiseDecay = r;
      let g = 0;
      for (let n = 0; n < NOISE_GAINS; n++) {
        gains[n] = Math.sqrt(g);
        g = 1 + r * r * g;
      }
    }
    const seen = ly.noiseSeen as Int32Array;
    const n = md.noiseClock - seen[i];
    if (n <= 0) return;
    seen[i] = md.noiseClock;
    const gain =
      n < NOISE_GAINS ? gains[n] : r === 1 ? Math.sqrt(n) : Math.sqrt((1 - Math.pow(r, 2 * n)) / (1 - r * r));
    addRun(md, (ly.w >> 2) + i * ly.width, ly.units, Math.fround(sigma * gain));
  }

  /** assembly/noise.ts' noiseCatchUpAll. */
  function noiseCatchUpAll(md: Model): void {
    const sigma = md.noiseSigma / md.wScale;
    let fanIn = md.inputSize;
    for (const ly of md.layers) {
      for (let i = 0; i < fanIn; i++) catchUpRow(md, ly, i, sigma);
      fanIn = ly.units;
    }
  }

  /** assembly/noise.ts' addRun: the run that follows the last one in the table. */
  function addRun(md: Model, p: number, n: number, scale: number): void {
    const F = heap.F;
    const table = md.noiseTable as Float32Array;
    const run = md.noiseCursor;
    md.noiseCursor = (run + n) & (NOISE_TABLE - 1);
    for (let j = 0; j < n; j++) F[p + j] += Math.fround(scale * table[run + j]);
  }

  /** assembly/online-step.ts' decayPerStep: r = 1 − lr·wd. */
  function decayPerStep(md: Model): number {
    const d = new Float64Array(heap.memory.buffer, md.opt, OPT_FIELDS);
    return 1 - Math.fround(d[OPTF_LEARNING_RATE]) * Math.fround(d[OPTF_WEIGHT_DECAY]);
  }

  function modelCbpInit(m: number, rate: number, decay: number, maturity: number, inits: number): void {
    const md = e.model(m);
    md.cbpRate = rate;
    md.cbpDecay = decay;
    md.cbpMaturity = maturity;
    md.layers.slice(0, -1).forEach((ly, l) => {
      ly.cbp = {
        age: new Int32Array(ly.units),
        util: new Float64Array(ly.units),
        mean: new Float64Array(ly.units),
        score: new Float64Array(ly.units),
        picks: [],
        accum: 0,
        replaced: 0,
        init: heap.I[(inits >> 2) + l],
        inMag: new Float32Array(ly.width),
        outMag: new Float64Array(ly.units),
        stale: true,
      };
    });
  }

  /** assembly/continual.ts' rowMeanAbs: f64 sums of columns k mod 4, then (l0 + l1) + (l2 + l3). */
  const rowMeanAbs = (F: Float32Array, p: number, n: number, width: number) => {
    const lanes = [0, 0, 0, 0];
    for (let k = 0; k < width; k++) lanes[k & 3] += Math.abs(F[p + k]);
    return (lanes[0] + lanes[1] + (lanes[2] + lanes[3])) / n;
  };

  /** assembly/continual.ts' columnAbsSums: f32 sums over the first `rows` rows, in row order. */
  function columnAbsSums(ly: Layer, rows: number, out: Float32Array): void {
    const F = heap.F;
    out.fill(0);
    for (let r = 0; r < rows; r++) {
      const row = (ly.w >> 2) + r * ly.width;
      for (let j = 0; j < ly.width; j++) out[j] += Math.abs(F[row + j]);
    }
  }

  function cbpStep(md: Model, tracked: boolean): void {
    settle(md);
    const F = heap.F;
    const eta = md.cbpDecay;
    const hidden = md.layers.length - 1;
    for (let l = 0; l < hidden; l++) {
      const ly = md.layers[l];
      const next = md.layers[l + 1];
      const c = cbpOf(ly);
      const fanIn = l === 0 ? md.inputSize : md.layers[l - 1].units;
      if (!tracked || c.stale) {
        columnAbsSums(ly, fanIn, c.inMag);
        for (let i = 0; i < ly.units; i++)
          c.outMag[i] = rowMeanAbs(F, (next.w >> 2) + i * next.width, next.units, next.width);
        c.stale = false;
      } // else the step kept them (fastUpdate)
      let eligible = 0;
      for (let i = 0; i < ly.units; i++) {
        const age = ++c.age[i];
        const correction = 1 - eta ** age;
        const h = F[(ly.a >> 2) + i];
        const mean = eta * c.mean[i] + (1 - eta) * h;
        c.mean[i] = mean;
        const inMag = c.inMag[i] / fanIn;
        const fresh = (c.outMag[i] * Math.abs(h - mean / correction)) / inMag;
        const util = eta * c.util[i] + (1 - eta) * fresh;
        c.util[i] = util;
        const mature = age > md.cbpMaturity;
        if (mature) eligible++;
        c.score[i] = mature ? util / correction : Number.NaN;
      }
      c.picks = [];
      if (eligible === 0) continue;
      c.accum += md.cbpRate * eligible;
      const due = Math.floor(c.accum);
      c.accum -= due;
      for (let k = 0; k < Math.min(due, eligible); k++) {
        let pick = -1;
        let lowest = Number.POSITIVE_INFINITY;
        for (let i = 0; i < ly.units; i++) {
          const score = c.score[i];
          if (!Number.isNaN(score) && (pick < 0 || score < lowest)) {
            lowest = score;
            pick = i;
          }
        }
        c.score[pick] = Number.NaN;
        c.picks.push(pick);
      }
    }
    for (let l = 0; l < hidden; l++) {
      const c = cbpOf(md.layers[l]);
      for (const i of c.picks) replace(md, l, i);
      if (c.picks.length === 0) continue;
      if (l > 0) cbpOf(md.layers[l - 1]).stale = true;
      c.stale = true;
      if (l + 1 < hidden) cbpOf(md.layers[l + 1]).stale = true;
    }
  }

  function replace(md: Model, l: number, i: number): void {
    const F = heap.F;
    const ly = md.layers[l];
    const next = md.layers[l + 1];
    const c = cbpOf(ly);
    const fanIn = l === 0 ? md.inputSize : md.layers[l - 1].units;
    const mean = c.mean[i] / (1 - md.cbpDecay ** c.age[i]);
    const outRow = (next.w >> 2) + i * next.width;
    for (let k = 0; k < next.units; k++) F[(next.b >> 2) + k] += Math.fround(F[outRow + k] * mean);
    F.fill(0, outRow, outRow + next.width);
    initUnit(F, md.rng, ly.w >> 2, ly.b >> 2, i, fanIn, ly.units, ly.width, c.init);
    for (const arena of [md.m, md.v, md.ag]) {
      const shift = (arena - md.params) >> 2;
      for (let r = 0; r < ly.inDim; r++) F[shift + (ly.w >> 2) + r * ly.width + i] = 0;
      F[shift + (ly.b >> 2) + i] = 0;
      F.fill(0, shift + outRow, shift + outRow + next.width);
    }
    c.age[i] = 0;
    c.util[i] = 0;
    c.mean[i] = 0;
    c.replaced++;
  }

  function layerGramAccumulate(m: number, l: number, rows: number, out: number): void {
    const ly = e.layer(m, l);
    const F = heap.F;
    const D = new Float64Array(heap.memory.buffer);
    const n = ly.units;
    const o = out >> 3;
    for (let r = 0; r < rows; r++) {
      const a = (ly.a >> 2) + r * ly.width;
      for (let i = 0; i < n; i++) {
        const hi = F[a + i];
        if (hi === 0) continue;
        for (let j = 0; j < n; j++) D[o + i * n + j] += hi * F[a + j];
      }
    }
  }

  return {
    modelSetPermutation: (m: number, perm: number) => {
      e.model(m).perm = perm;
    },
    permutationOf,
    modelTrainOnline,
    modelSetNoise,
    modelCbpInit,
    layerCbpReplaced: (m: number, l: number) => cbpOf(e.layer(m, l)).replaced,
    layerCbpUtility: (m: number, l: number, i: number) => cbpOf(e.layer(m, l)).util[i],
    layerGramAccumulate,
  };
}

function cbpOf(ly: Layer): NonNullable<Layer["cbp"]> {
  if (!ly.cbp) throw new Error("js engine: continual backprop is not on for this layer");
  return ly.cbp;
}
