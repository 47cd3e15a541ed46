// Continual backprop against an independent float64 reference on a tiny net (8-6-5-3), step by
// step: from the engine's weights before each step, the reference takes the SGD step in f64,
// updates every unit's age, running mean and utility, picks the units due for replacement, and
// predicts what the replacement does to the next layer; the engine must agree on the utilities,
// which units it replaced, their zeroed outgoing weights and the next layer's bias.
import { describe, it, expect } from "vitest";
import { createEngine } from "../src/index.js";
import { OnlineLearner } from "../src/engine/online.js";
import { rng } from "./support/mlp64.js";

const [IN, H1, H2, OUT] = [8, 6, 5, 3];
const N = 60;
const [LR, RATE, DECAY, MATURITY] = [0.05, 0.15, 0.9, 3];

type Mat = number[][]; // [rows][cols]

describe("continual backprop", () => {
  it.each(["wasm-simd", "js"] as const)("matches a float64 reference over 40 steps (%s)", async (backend) => {
    const r = rng(9);
    const x = Float32Array.from({ length: N * IN }, () => r());
    const y = Uint8Array.from({ length: N }, (_, i) => i % OUT);
    const engine = await createEngine({ backend, threads: 1 });
    const ds = engine.dataset(x, y);
    const model = engine.sequential({
      inputSize: IN,
      layers: [
        { units: H1, activation: "relu", kernelInitializer: "he_uniform" },
        { units: H2, activation: "relu", kernelInitializer: "he_uniform" },
        { units: OUT, activation: "softmax" },
      ],
      seed: 4,
    });
    model.compile({ optimizer: "sgd", learningRate: LR });
    const online = new OnlineLearner(model, ds, { cbp: { rate: RATE, decay: DECAY, maturity: MATURITY } });
    online.startTask(21, 22);
    const { pixels, order } = online.permutation();

    const widths = [H1, H2];
    const state = widths.map((n) => ({
      age: new Array(n).fill(0),
      mean: new Array(n).fill(0),
      util: new Array(n).fill(0),
      accum: 0,
    }));
    let replacements = 0;
    for (let s = 0; s < 40; s++) {
      const w0 = model.getWeights();
      const W: Mat[] = w0.map((l) => rows(l.kernel, l.bias.length));
      const B: number[][] = w0.map((l) => Array.from(l.bias));
      // Forward, backward and the SGD step in f64.
      const input = Array.from(pixels, (p) => x[order[s] * IN + p]);
      const h1 = dense(input, W[0], B[0]).map(relu);
      const h2 = dense(h1, W[1], B[1]).map(relu);
      const z = dense(h2, W[2], B[2]);
      const p = softmax(z);
      const d3 = p.map((v, k) => v - (k === y[order[s]] ? 1 : 0));
      const d2 = back(W[2], d3).map((v, i) => (h2[i] > 0 ? v : 0));
      const d1 = back(W[1], d2).map((v, i) => (h1[i] > 0 ? v : 0));
      const acts = [input, h1, h2];
      [d1, d2, d3].forEach((d, l) => {
        acts[l].forEach((a, i) => d.forEach((g, k) => (W[l][i][k] -= LR * a * g)));
        d.forEach((g, k) => (B[l][k] -= LR * g));
      });
      // Ages, means and utilities, then the units due.
      const picks = widths.map((n, l) => {
        const st = state[l];
        const h = [h1, h2][l];
        const scores: number[] = [];
        for (let i = 0; i < n; i++) {
          st.age[i]++;
          const corr = 1 - DECAY ** st.age[i];
          st.mean[i] = DECAY * st.mean[i] + (1 - DECAY) * h[i];
          const outMag = W[l + 1][i].reduce((t, v) => t + Math.abs(v), 0) / W[l + 1][i].length;
          const inMag = W[l].reduce((t, row) => t + Math.abs(row[i]), 0) / W[l].length;
          st.util[i] = DECAY * st.util[i] + ((1 - DECAY) * outMag * Math.abs(h[i] - st.mean[i] / corr)) / inMag;
          if (st.age[i] > MATURITY) scores.push(i);
        }
        if (scores.length === 0) return [];
        st.accum += RATE * scores.length;
        const due = Math.floor(st.accum);
        st.accum -= due;
        const score = (i: number) => st.util[i] / (1 - DECAY ** st.age[i]);
        return scores.sort((a, b) => score(a) - score(b) || a - b).slice(0, due);
      });
      const replacedBefore = online.replaced();
      online.train(s, 1);
      const after = model.getWeights();
      const utilities = online.utilities();
      widths.forEach((n, l) => {
        expect(online.replaced()[l] - replacedBefore[l], `step ${s} layer ${l}`).toBe(picks[l].length);
        const next = rows(after[l + 1].kernel, after[l + 1].bias.length);
        for (let i = 0; i < n; i++) {
          if (picks[l].includes(i)) {
            expect(utilities[l][i]).toBe(0);
            // Outgoing weights zeroed, except where the next layer redrew a unit's inputs this step.
            const redrawn = picks[l + 1] ?? [];
            expect(
              next[i].filter((v, k) => v !== 0 && !redrawn.includes(k)),
              `step ${s} unit ${l}:${i}`,
            ).toEqual([]);
          } else expect(utilities[l][i]).toBeCloseTo(state[l].util[i], 5);
        }
        // The next layer's bias takes each replaced unit's mean contribution.
        const bias = [...B[l + 1]];
        for (const i of picks[l]) {
          const mean = state[l].mean[i] / (1 - DECAY ** state[l].age[i]);
          W[l + 1][i].forEach((v, k) => (bias[k] += v * mean));
        }
        const redrawn = picks[l + 1] ?? [];
        bias.forEach((v, k) => {
          if (!redrawn.includes(k)) expect(after[l + 1].bias[k], `step ${s} bias ${l + 1}[${k}]`).toBeCloseTo(v, 5);
        });
        for (const i of picks[l]) {
          state[l].age[i] = 0;
          state[l].mean[i] = 0;
          state[l].util[i] = 0;
          replacements++;
        }
      });
      // The output layer's weights, where no replacement touched them, are the f64 step's.
      const out = rows(after[2].kernel, OUT);
      out.forEach((row, i) => {
        if (!picks[1].includes(i)) row.forEach((v, k) => expect(v).toBeCloseTo(W[2][i][k], 6));
      });
    }
    expect(replacements).toBeGreaterThan(10); // the test did exercise replacement
    engine.dispose();
  });
});

function rows(kernel: Float32Array, cols: number): Mat {
  return Array.from({ length: kernel.length / cols }, (_, i) => Array.from(kernel.subarray(i * cols, (i + 1) * cols)));
}
const relu = (v: number) => Math.max(v, 0);
const dense = (a: number[], w: Mat, b: number[]) => b.map((bk, k) => a.reduce((s, ai, i) => s + ai * w[i][k], bk));
const back = (w: Mat, d: number[]) => w.map((row) => row.reduce((s, v, k) => s + v * d[k], 0));
function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const t = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / t);
}
