// The benchmark script in its --quick mode: it must run end to end and write every section, so it
// cannot rot. Its timings are not checked (this machine is shared and noisy).
import { it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_RUNS } from "../bench/record.js";

it("npm run bench --quick writes every section of the report", () => {
  const dir = mkdtempSync(join(tmpdir(), "dying-relu-bench-"));
  const out = join(dir, "results.json");
  const doc = join(dir, "performance.md");
  writeFileSync(doc, `# Performance\n\n${BENCH_RUNS}\n\n## an earlier run\n`);
  const script = new URL("../bench/run.js", import.meta.url).pathname;
  const stdout = execFileSync(process.execPath, [script, "--quick", "--out", out, "--doc", doc], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  expect(stdout).toContain("## One epoch of the seed workload");
  // The run's own tables, under a heading with its date and machine, above the earlier runs.
  const page = readFileSync(doc, "utf8");
  const heading = `## ${new Date().toISOString().slice(0, 10)}: `;
  expect(page.indexOf(heading)).toBeGreaterThan(page.indexOf(BENCH_RUNS));
  expect(page.indexOf("### One epoch of the seed workload")).toBeGreaterThan(page.indexOf(heading));
  expect(page.indexOf("## an earlier run")).toBeGreaterThan(page.indexOf("### The default sweep"));
  expect(page).toContain(`Node ${process.version} (--quick)`);
  const r = JSON.parse(readFileSync(out, "utf8"));
  expect(r.quick).toBe(true);
  expect(r.machine.node).toBe(process.version);
  expect(stdout).toContain(`Node ${process.version}`);
  expect(r.kernels.map((k: { backend: string }) => k.backend)).toEqual(["wasm-relaxed", "wasm-simd"]);
  for (const k of r.kernels) {
    expect(k.peak).toBeGreaterThan(0);
    expect(k.shapes).toHaveLength(5);
  }
  const engines = new Set(r.epochs.map((e: { engine: string }) => e.engine));
  expect([...engines]).toEqual([
    "dying-relu wasm-relaxed",
    "dying-relu wasm-simd",
    "dying-relu js",
    "TF.js 4.22 wasm",
    "TF.js 4.22 cpu",
  ]);
  for (const e of r.epochs) expect(e.seconds).toBeGreaterThan(0);
  expect(r.online.map((o: { engine: string }) => o.engine)).toEqual([
    "dying-relu wasm-relaxed",
    "dying-relu wasm-simd",
    "dying-relu js",
    "TF.js 4.22 wasm (trainOnBatch)",
    "TF.js 4.22 cpu (trainOnBatch)",
  ]);
  for (const o of r.online) expect(o.stepsPerSecond).toBeGreaterThan(0);
  expect(r.onlineMethods.map((o: { method: string }) => o.method)).toEqual(["bp", "l2", "snp", "cbp"]);
  for (const o of r.onlineMethods) expect(o.stepsPerSecond).toBeGreaterThan(0);
  expect(stdout).toContain("## Online steps");
  expect(stdout).toContain("With each continual method's per-step work");
  // The threaded rows: every wasm build at batch 128 and 256 on all cores, against one thread.
  if (r.machine.cores > 1) {
    expect(r.threads.map((t: { backend: string; batch: number }) => `${t.backend} ${t.batch}`)).toEqual([
      "wasm-relaxed 128",
      "wasm-relaxed 256",
      "wasm-simd 128",
      "wasm-simd 256",
    ]);
    for (const t of r.threads) expect(t.speedup).toBeCloseTo(t.oneThread / t.seconds, 10);
    expect(stdout).toContain(`## One run on all ${r.machine.cores} cores`);
  }
  expect(r.scaling.batch.length).toBeGreaterThan(0);
  expect(r.scaling.width.length).toBeGreaterThan(0);
  expect(r.sweep.map((s: { workers: number }) => s.workers)[0]).toBe(1);
  for (const s of r.sweep) expect(s.maxRssMB).toBeGreaterThan(10);
  for (const bytes of Object.values(r.wasmBytes)) expect(bytes).toBeLessThan(64 * 1024);
  expect(Object.keys(r.wasmBytes)).toEqual(["simd", "relaxed", "simd-threads", "relaxed-threads"]);
}, 600_000);

it("npm run bench:node --quick times the seed epoch on every build under the Node that runs it", () => {
  const out = join(mkdtempSync(join(tmpdir(), "dying-relu-bench-")), "node-versions.json");
  const script = new URL("../bench/node-versions.js", import.meta.url).pathname;
  const stdout = execFileSync(process.execPath, [script, "--quick", "--out", out], { encoding: "utf8" });
  const r = JSON.parse(readFileSync(out, "utf8"));
  expect(r.rows.map((row: { node: string; build: string }) => `${row.node} ${row.build}`)).toEqual([
    `${process.version} wasm-relaxed`,
    `${process.version} wasm-simd`,
  ]);
  for (const row of r.rows) {
    expect(row.seconds).toBeGreaterThan(0);
    expect(stdout).toContain(`| ${process.version} | ${row.build} | ${row.seconds.toFixed(2)} |`);
  }
}, 120_000);
