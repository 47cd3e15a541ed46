// npm run bench: how fast dying-relu trains the seed workload against plain JS and TF.js, all
// measured in one run on this machine, as a table and bench/results.json.
//   node bench/run.js [--quick] [--out FILE] [--doc FILE]
// --quick runs every section on a few batches only (the tests run it so the script cannot rot);
// its numbers mean nothing. --out writes the JSON elsewhere than bench/results.json. A full run
// also adds its tables to docs/performance.md (or --doc FILE, which --quick writes only if given).
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { relaxedSimdSupported } from "../dist/index.js";
import { loadMnist } from "../dist/node.js";
import { buildBenchKernels } from "./build.js";
import { measureKernels } from "./kernels.js";
import { TRAIN, macsPerSample, ourEpoch, tfjsEpoch } from "./workload.js";
import { measureSweep } from "./sweep.js";
import { ourOnline, tfjsOnline } from "./online.js";
import { BENCH_RUNS, recordRun } from "./record.js";

const { values: opts } = parseArgs({
  options: { quick: { type: "boolean" }, out: { type: "string" }, doc: { type: "string" } },
});
const quick = opts.quick ?? false;
const root = fileURLToPath(new URL("..", import.meta.url));
const samples = quick ? 2_048 : TRAIN;
const SEED_SIZES = [784, 128, 64, 32, 10];
const printed = [];
const log = (line = "") => {
  process.stdout.write(`${line}\n`);
  printed.push(...line.split("\n"));
};
const fmt = (v, digits = 2) => v.toFixed(digits);

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => String(c)[i === 0 ? "padEnd" : "padStart"](widths[i])).join(" | ")} |`;
  return [
    line(header),
    // the separator as the formatter writes it, so that performance.md stays formatted
    `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  relaxedSimd: relaxedSimdSupported(),
};
const wasmBackends = machine.relaxedSimd ? ["wasm-relaxed", "wasm-simd"] : ["wasm-simd"];
const results = { machine, quick, date: new Date().toISOString() };
log(`dying-relu bench${quick ? " (--quick: a few batches, numbers mean nothing)" : ""}`);
log(
  `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, relaxed SIMD ${machine.relaxedSimd ? "yes" : "no"}\n`,
);

// 1. Kernels against the SIMD peak.
buildBenchKernels();
results.kernels = [];
for (const backend of wasmBackends) results.kernels.push(await measureKernels(backend, { quick, batch: 128 }));
log("## GEMM kernels (batch 128) against the single-core SIMD peak\n");
log(
  table(
    [
      "shape",
      ...results.kernels.map((k) => `${k.backend} GFLOP/s`),
      ...results.kernels.map((k) => `${k.backend} of peak`),
    ],
    [
      [
        "peak (register-only multiply-add loop)",
        ...results.kernels.map((k) => fmt(k.peak, 1)),
        ...results.kernels.map(() => "100%"),
      ],
      ...results.kernels[0].shapes.map((s, i) => [
        s.name,
        ...results.kernels.map((k) => fmt(k.shapes[i].gflops, 1)),
        ...results.kernels.map((k) => `${Math.round(100 * k.shapes[i].ofPeak)}%`),
      ]),
    ],
  ),
);

// 2. One epoch of the seed workload, every engine, batch 128 and 256.
const mnist = await loadMnist();
const flopsPerEpoch = 2 * macsPerSample(SEED_SIZES) * samples;
const engines = [
  ...wasmBackends.map((b) => ({
    name: `dying-relu ${b}`,
    run: async (batch) => (await ourEpoch(b, mnist, { batch, samples })).seconds,
  })),
  { name: "dying-relu js", run: async (batch) => (await ourEpoch("js", mnist, { batch, samples })).seconds },
  { name: "TF.js 4.22 wasm", run: (batch) => tfjsEpoch("wasm", mnist, { batch, samples }) },
  {
    name: "TF.js 4.22 cpu",
    run: (batch) => tfjsEpoch("cpu", mnist, { batch, samples: quick ? samples : samples / 8 }),
    scale: quick ? 1 : 8,
  },
];
results.epochs = [];
for (const batch of [128, 256]) {
  for (const e of engines) {
    const seconds = (await e.run(batch)) * (e.scale ?? 1);
    results.epochs.push({
      engine: e.name,
      batch,
      seconds,
      samplesPerSecond: samples / seconds,
      gflops: flopsPerEpoch / seconds / 1e9,
      extrapolated: Boolean(e.scale && e.scale > 1),
    });
  }
}
log(`\n## One epoch of the seed workload (784-128-64-32-10, Adam, ${samples} images), single thread\n`);
log(
  table(
    ["engine", "batch", "s/epoch", "samples/s", "GFLOP/s", "× slower than fastest"],
    results.epochs.map((r) => {
      const best = Math.min(...results.epochs.filter((o) => o.batch === r.batch).map((o) => o.seconds));
      return [
        r.engine + (r.extrapolated ? " (1/8 epoch ×8)" : ""),
        r.batch,
        fmt(r.seconds),
        Math.round(r.samplesPerSecond),
        fmt(r.gflops, 1),
        fmt(r.seconds / best, 1),
      ];
    }),
  ),
);

// 3. One run on every core: the threaded engine against one thread, in alternating pairs (five
// unless --quick), each side's median taken, so that a burst of load on this shared machine
// lands on neither side alone.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PAIRS = quick ? 1 : 5;
results.threads = [];
if (machine.cores > 1) {
  for (const backend of wasmBackends) {
    for (const batch of [128, 256]) {
      const one = [];
      const all = [];
      const uploads = [];
      for (let pair = 0; pair < PAIRS; pair++) {
        const [a, b] = [
          await ourEpoch(backend, mnist, { batch, samples }),
          await ourEpoch(backend, mnist, { batch, samples, threads: machine.cores }),
        ];
        one.push(a.seconds);
        all.push(b.seconds);
        uploads.push(a.upload, b.upload);
      }
      const [a, b] = [median(one), median(all)];
      results.threads.push({
        backend,
        batch,
        threads: machine.cores,
        oneThread: a,
        seconds: b,
        speedup: a / b,
        upload: median(uploads),
        pairs: { one, all },
      });
    }
  }
  log(
    `\n## One run on all ${machine.cores} cores (threads: ${machine.cores}, shared-memory wasm) against one thread, median of ${PAIRS} alternating pairs\n`,
  );
  log(
    table(
      ["engine", "batch", "1 thread s/epoch", `${machine.cores} threads s/epoch`, "speed-up", "GFLOP/s"],
      results.threads.map((r) => [
        `dying-relu ${r.backend}`,
        r.batch,
        fmt(r.oneThread),
        fmt(r.seconds),
        `${fmt(r.speedup)}×`,
        fmt(flopsPerEpoch / r.seconds / 1e9, 1),
      ]),
    ),
  );
  log(
    `\nNot in the epochs: engine.dataset's copy of the ${samples} images into the fresh engine's memory, median ${fmt(1000 * median(results.threads.map((r) => r.upload)), 1)} ms (as TF.js's tensors, made before its fit).`,
  );
}

// 4. How cost grows with work (fastest wasm build, one thread).
const best = wasmBackends[0];
results.scaling = { backend: best, batch: [], width: [] };
for (const batch of quick ? [32, 1024] : [32, 64, 128, 256, 512, 1024]) {
  results.scaling.batch.push({ batch, seconds: (await ourEpoch(best, mnist, { batch, samples })).seconds });
}
for (const factor of quick ? [1, 8] : [1, 2, 4, 8]) {
  const sizes = [784, 128 * factor, 64 * factor, 32 * factor, 10];
  const { seconds } = await ourEpoch(best, mnist, { batch: 128, samples, sizes });
  results.scaling.width.push({ factor, sizes, seconds, gflops: (2 * macsPerSample(sizes) * samples) / seconds / 1e9 });
}
log(`\n## Scaling (${best})\n`);
log(
  table(
    ["batch", ...results.scaling.batch.map((r) => r.batch)],
    [["s/epoch", ...results.scaling.batch.map((r) => fmt(r.seconds))]],
  ),
);
log("");
log(
  table(
    ["hidden widths", ...results.scaling.width.map((r) => `×${r.factor} (${r.sizes.slice(1, -1).join("-")})`)],
    [
      ["s/epoch (batch 128)", ...results.scaling.width.map((r) => fmt(r.seconds))],
      ["GFLOP/s", ...results.scaling.width.map((r) => fmt(r.gflops, 1))],
    ],
  ),
);

// 5. The continual study's online regime: batch 1, SGD, the authors' small net.
const ONLINE_STEPS = quick ? 500 : 30_000;
results.online = [];
for (const backend of [...wasmBackends, "js"]) {
  const steps = backend === "js" ? ONLINE_STEPS / 10 : ONLINE_STEPS;
  results.online.push({ engine: `dying-relu ${backend}`, stepsPerSecond: await ourOnline(backend, mnist, steps) });
}
for (const backend of ["wasm", "cpu"]) {
  const steps = quick ? 50 : 2_000;
  results.online.push({
    engine: `TF.js 4.22 ${backend} (trainOnBatch)`,
    stepsPerSecond: await tfjsOnline(backend, mnist, steps),
  });
}
// The per-step work each continual method adds (redo's recycling runs only at a task's start).
results.onlineMethods = [];
for (const method of ["bp", "l2", "snp", "cbp"])
  results.onlineMethods.push({
    method,
    stepsPerSecond: await ourOnline(
      wasmBackends[0],
      mnist,
      quick ? 500 : ONLINE_STEPS / (method === "bp" ? 1 : 4),
      method,
    ),
  });
log("\n## Online steps (batch 1: predict, then one SGD step; 784-100-100-100-10), single thread, median of 5 passes\n");
log(
  table(
    ["engine", "steps/s", "× faster than TF.js wasm"],
    results.online.map((r) => [
      r.engine,
      Math.round(r.stepsPerSecond),
      fmt(r.stepsPerSecond / results.online.find((o) => o.engine.startsWith("TF.js 4.22 wasm")).stepsPerSecond, 1),
    ]),
  ),
);
log(`\nWith each continual method's per-step work, dying-relu ${wasmBackends[0]}:\n`);
log(
  table(
    ["method", "steps/s", "6 M steps (100 tasks) in"],
    results.onlineMethods.map((r) => [
      r.method,
      Math.round(r.stepsPerSecond),
      `${fmt(6e6 / r.stepsPerSecond / 60, 1)} min`,
    ]),
  ),
);

// 6. The default sweep as a user runs it: wall time and peak memory, 1 and all workers.
results.sweep = [];
for (const workers of [...new Set([1, machine.cores])])
  results.sweep.push({ workers, ...(await measureSweep(workers, { quick })) });
log(`\n## The default sweep (4 rates × 5 epochs${quick ? ", --quick: 2 rates × 1 epoch on 5 % of the images" : ""})\n`);
log(
  table(
    ["workers", "wall s", "peak RSS MB", "speed-up"],
    results.sweep.map((r) => [
      r.workers,
      fmt(r.seconds, 1),
      Math.round(r.maxRssMB),
      fmt(results.sweep[0].seconds / r.seconds),
    ]),
  ),
);

results.wasmBytes = Object.fromEntries(
  ["simd", "relaxed", "simd-threads", "relaxed-threads"].map((b) => [
    b,
    statSync(`${root}build/dying-relu.${b}.wasm`).size,
  ]),
);
log(
  `\nwasm sizes: ${Object.entries(results.wasmBytes)
    .map(([b, n]) => `${b} ${(n / 1024).toFixed(1)} KB`)
    .join(", ")}`,
);
const out = opts.out ?? `${root}bench/results.json`;
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${out}`);
const doc = opts.doc ?? (quick ? undefined : `${root}docs/performance.md`);
if (doc) {
  const day = results.date.slice(0, 10);
  const heading = `${day}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${quick ? " (--quick)" : ""}`;
  recordRun(doc, BENCH_RUNS, heading, printed.slice(2, -1)); // not the title, machine or "wrote" lines
  process.stdout.write(`added this run to ${doc}\n`);
}
