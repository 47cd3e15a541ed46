// The default study on the plain SIMD build gives the same numbers, bit for bit, on every Node
// version and after every refactoring. test/golden/default-sweep.wasm-simd.json holds its runs
// (all but `seconds`) as this command wrote them; a change that alters any number fails here.
// Regenerate it only for a change that is meant to alter the numbers, and say so in CHANGELOG.md.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./support/cli.js";

const golden = JSON.parse(readFileSync(new URL("./golden/default-sweep.wasm-simd.json", import.meta.url), "utf8"));

describe(`the default sweep on wasm-simd, Node ${process.version}`, () => {
  it("gives the recorded runs bit for bit (apart from seconds)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "dying-relu-golden-")), "runs.json");
    const { code, stderr } = await cli("sweep", "--backend", "wasm-simd", "--threads", "1", "--quiet", "--json", file);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(file, "utf8"));
    expect(report.config).toMatchObject({
      backend: "wasm-simd",
      threads: 1,
      learningRates: [0.5, 0.1, 0.01, 0.001],
      epochs: 5,
      seed: 42,
    });
    for (const run of report.runs) {
      expect(run.seconds).toBeGreaterThan(0);
      delete run.seconds;
    }
    expect(report.runs).toEqual(golden.runs);
  });
});
