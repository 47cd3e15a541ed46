// Results files from strangers: the schema check (REPORT_SCHEMA through Ajv) refuses every
// malformed or oversized file with one line that names where it is wrong and never echoes the
// file's value; `merge` and its HTML report never pass a file's text into the page as markup.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkReport } from "../src/study/check-report.js";
import type { Report } from "../src/study/schema.js";
import { REPORT_SCHEMA } from "../src/study/report-schema.js";
import { htmlReport } from "../src/cli/html-report.js";
import { DataError } from "../src/errors.js";
import { cli } from "./support/cli.js";

let dir: string;
let good: Report;
const EVIL = "<img src=x onerror=alert(1)>";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dying-relu-hostile-"));
  const file = join(dir, "good.json");
  const { code, stderr } = await cli(
    "sweep",
    ...[
      "--lr",
      "0.1,0.01",
      "--epochs",
      "1",
      "--layers",
      "8,4",
      "--probe",
      "20",
      "--seeds",
      "2",
      "--probe-every",
      "100",
    ],
    ...["--redo-every", "50", "--optimizer", "sgd", "--momentum", "0.9", "--quiet", "--json", file],
  );
  expect(stderr).toBe("");
  expect(code).toBe(0);
  good = JSON.parse(readFileSync(file, "utf8"));
});

/** A deep copy of the good report with `edit` applied. */
// biome-ignore lint/suspicious/noExplicitAny: a hostile edit reaches anywhere in the file
type Loose = Record<string, any>;
const edited = (edit: (r: Loose) => void): unknown => {
  const r = structuredClone(good) as unknown as Loose;
  edit(r);
  return r;
};
// Arrays nested `depth` deep: JSON.parse reads them, but JSON.stringify would overflow the stack,
// so toText writes them out from their depth.
const deep = new Map<unknown, number>();
const nested = (depth: number) => {
  const value = JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);
  deep.set(value, depth);
  return value;
};
const toText = (value: unknown) =>
  JSON.stringify(value, (_, v) => (deep.has(v) ? `@deep${deep.get(v)}@` : v)).replace(
    /"@deep(\d+)@"/g,
    (_, d) => `${"[".repeat(Number(d))}${"]".repeat(Number(d))}`,
  );

const hostile: [string, () => unknown, RegExp][] = [
  ["null", () => null, /the file must be object/],
  ["an array", () => [good], /the file must be object/],
  ["a null config", () => edited((r) => (r.config = null)), /config must be object/],
  ["an empty config", () => edited((r) => (r.config = {})), /config must have required property 'learningRates'/],
  [
    "learning rates as a string",
    () => edited((r) => (r.config.learningRates = "0.1")),
    /config\.learningRates must be array/,
  ],
  [
    "a run without deadUnits",
    () => edited((r) => delete r.runs[0].deadUnits),
    /runs\[0\] must have required property 'deadUnits'/,
  ],
  [
    "a run without history",
    () => edited((r) => delete r.runs[1].history),
    /runs\[1\] must have required property 'history'/,
  ],
  ["a string shard index", () => edited((r) => (r.config.shard = { index: "1", count: 2 })), /config\.shard/],
  [
    "deep nesting in the config",
    () => edited((r) => (r.config.layers = nested(100_000))),
    /config\.layers\[0\] must be integer/,
  ],
  [
    "deep nesting in a run",
    () => edited((r) => (r.runs[0].history.loss = nested(100_000))),
    /runs\[0\]\.history\.loss\[0\]/,
  ],
  ["3e8 seeds", () => edited((r) => (r.config.seeds = 3e8)), /config\.seeds must be <= 100000/],
  ["a shard count of 1e9", () => edited((r) => (r.config.shard = { index: 1, count: 1e9 })), /config\.shard/],
  [
    "a grid too large for its bounds",
    () =>
      edited((r) => {
        r.config.seeds = 1000;
        r.config.learningRates = Array(101).fill(0.1);
      }),
    /spans 101000 runs/,
  ],
  [
    "markup as a dead count",
    () => edited((r) => (r.runs[0].deadUnits[0].dead = EVIL)),
    /runs\[0\]\.deadUnits\[0\]\.dead must be integer/,
  ],
  [
    "markup in a mask",
    () => edited((r) => (r.runs[0].deadMasks[0] = EVIL)),
    /runs\[0\]\.deadMasks\[0\] must match pattern/,
  ],
  [
    "a terminal escape in a layer name",
    () => edited((r) => (r.runs[0].deadUnits[0].layer = "\u001b[2J")),
    /layer must match pattern/,
  ],
  [
    "a terminal escape in config.data",
    () => edited((r) => (r.config.data = "\u001b]0;owned\u0007")),
    /config\.data must match pattern/,
  ],
  ["an unknown field", () => edited((r) => (r.runs[0].extra = 1)), /runs\[0\] has an unknown field "extra"/],
  ["a negative fraction", () => edited((r) => (r.runs[0].deadUnits[0].fraction = -0.5)), /fraction must be >= 0/],
  [
    "an unknown activation",
    () => edited((r) => (r.runs[0].activation = "swish")),
    /runs\[0\]\.activation must be equal to one of the allowed values/,
  ],
  [
    "a huge layer name",
    () => edited((r) => (r.runs[0].deadUnits[0].layer = "x".repeat(1e6))),
    /layer must NOT have more than 4096 characters/,
  ],
];

describe("checkReport", () => {
  it("accepts a file the sweep wrote (every optional field present)", () => {
    expect(good.runs[0].deadUnitsPerStep?.length).toBeGreaterThan(0);
    expect(good.runs[0].recycledPerEpoch?.length).toBe(1);
    expect(checkReport(good, "good.json")).toBe(good);
  });

  it("is the schema the package exports as dying-relu/report.schema.json", () => {
    const file = new URL("../dist/report.schema.json", import.meta.url);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(REPORT_SCHEMA);
  });

  it.each(hostile)("refuses %s with one line that does not echo the value", (_, make, message) => {
    let error: unknown;
    try {
      checkReport(make(), "bad.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    const text = (error as Error).message;
    expect(text).toMatch(/^bad\.json: /);
    expect(text).toMatch(message);
    expect(text.split("\n")).toHaveLength(1);
    expect(text.length).toBeLessThan(300);
    expect(text).not.toContain("<img");
    expect(text).not.toContain("\u001b");
  });
});

describe("merge of hostile files, through the CLI", () => {
  it.each(hostile)("%s: exit code 2, one line, no output file", async (name, make) => {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
    writeFileSync(file, toText(make()));
    const out = join(dir, `${name.replace(/\W+/g, "-")}.html`);
    const { code, stdout, stderr } = await cli("merge", file, "--report", out);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/internal error| {4}at /);
    expect(existsSync(out)).toBe(false);
  });

  it("a file too large to be a results file is refused before it is read", async () => {
    const file = join(dir, "huge.json");
    writeFileSync(file, "");
    const { truncateSync } = await import("node:fs");
    truncateSync(file, 300 * 2 ** 20); // sparse: no disk used
    const { code, stderr } = await cli("merge", file);
    expect(code).toBe(2);
    expect(stderr).toMatch(/huge\.json: 314572800 bytes, more than a results file may hold \(256 MiB\)/);
  });
});

describe("the HTML report", () => {
  const outsideData = (html: string) => html.replace(/<script type="application\/json"[\s\S]*?<\/script>/, "");

  it("never writes a file's text as markup, whatever the layer names, data path and backend", () => {
    // Text the schema allows (no control characters) that would be markup if written raw.
    const markup = fc
      .tuple(
        fc.string({ maxLength: 20 }),
        fc.constantFrom("<x-evil>", "</table><x-evil>", '"><x-evil a="', "'><x-evil"),
      )
      .map(([s, m]) => `${s}${m}${s}`);
    fc.assert(
      fc.property(markup, markup, markup, (layer, data, backend) => {
        const report = edited((r) => {
          r.config.data = data;
          r.config.backend = backend;
          for (const run of r.runs) for (const d of run.deadUnits) d.layer = layer;
        }) as Report;
        checkReport(report, "generated");
        const html = htmlReport(report);
        expect(outsideData(html)).not.toContain("<x-evil");
        const json = html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1];
        expect(json).not.toMatch(/<\/script/i);
        expect(JSON.parse(json)).toEqual(report);
      }),
      { numRuns: 30 },
    );
  });
});
