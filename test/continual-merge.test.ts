// dying-relu continual --shard K/N and merge: the slices join into the unsharded study's runs, and
// files that do not fit together, or are not continual results files, are refused with one line.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./support/cli.js";

const FLAGS = [
  "--tasks",
  "2",
  "--per-task",
  "200",
  "--layers",
  "8",
  "--probe",
  "50",
  "--method",
  "bp,cbp",
  "--seeds",
  "2",
];
const strip = (file: string) =>
  JSON.parse(readFileSync(file, "utf8")).runs.map(
    ({ seconds, stepsPerSecond, ...rest }: Record<string, unknown>) => rest,
  );

describe("continual shards and merge", () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dying-relu-continual-merge-"));
    for (const [name, extra] of [
      ["all.json", []],
      ["p1.json", ["--shard", "1/3"]],
      ["p2.json", ["--shard", "2/3"]],
      ["p3.json", ["--shard", "3/3"]],
      ["other.json", ["--shard", "1/3", "--lr", "0.01"]],
    ] as [string, string[]][]) {
      const r = await cli(
        "continual",
        ...FLAGS,
        ...extra,
        "--backend",
        "wasm-simd",
        "--workers",
        "1",
        "--quiet",
        "--json",
        at(name),
      );
      expect(r.code, r.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("joins the slices, in any order, into the unsharded study's runs", async () => {
    const r = await cli(
      "merge",
      at("p3.json"),
      at("p1.json"),
      at("p2.json"),
      "--json",
      at("m.json"),
      "--report",
      at("m.html"),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(strip(at("m.json"))).toEqual(strip(at("all.json")));
    expect(JSON.parse(readFileSync(at("m.json"), "utf8")).shard).toBeNull();
    expect(readFileSync(at("m.html"), "utf8")).toContain("dying-relu continual report");
  });

  it.each([
    ["a missing slice", () => [at("p1.json"), at("p2.json")], /missing shard 3\/3/],
    ["a slice twice", () => [at("p1.json"), at("p1.json"), at("p2.json")], /both hold shard 1\/3/],
    ["another study's slice", () => [at("other.json"), at("p2.json"), at("p3.json")], /different continual studies/],
    ["a sweep file beside them", () => [at("p1.json"), at("sweep.json")], /not a continual results file/],
    [
      "a file that breaks the schema",
      () => [at("bad.json")],
      /not a dying-relu continual results file: runs\.0\.tasks/,
    ],
    ["runs of another slice", () => [at("swapped.json"), at("p2.json"), at("p3.json")], /not those of shard 1\/3/],
  ])("refuses %s: one line, exit code 2", async (_, files, message) => {
    const p1 = JSON.parse(readFileSync(at("p1.json"), "utf8"));
    writeFileSync(at("sweep.json"), JSON.stringify({ schemaVersion: 2, config: {}, runs: [] }));
    writeFileSync(at("bad.json"), JSON.stringify({ ...p1, runs: [{ ...p1.runs[0], tasks: "</script>" }] }));
    writeFileSync(at("swapped.json"), JSON.stringify({ ...p1, runs: [...p1.runs].reverse() }));
    const r = await cli("merge", ...files());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("</script>");
  });
});
