// Model files from strangers, through the real `dying-relu evaluate`: deep nesting in any field,
// absurd sizes, control characters and oversized files each get one line and exit code 2, and
// the message never carries the hostile value itself.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./support/cli.js";

let dir: string;
let good: Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dying-relu-models-"));
  const saved = join(dir, "saved");
  const { code, stderr } = await cli(
    "sweep",
    ...["--lr", "0.01", "--epochs", "1", "--layers", "8", "--probe", "20", "--quiet", "--save", saved],
  );
  expect(stderr).toBe("");
  expect(code).toBe(0);
  good = JSON.parse(readFileSync(join(saved, readdirSync(saved)[0]), "utf8"));
});

const DEEP = 100_000;
const deep = `${"[".repeat(DEEP)}${"]".repeat(DEEP)}`;
/** The good file's JSON with one field's value replaced by raw JSON text. */
const withField = (path: (string | number)[], raw: string) => {
  const copy = structuredClone(good) as Record<string, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]] = "@@FIELD@@";
  return JSON.stringify(copy).replace('"@@FIELD@@"', raw);
};

const hostile: [string, () => string, RegExp][] = [
  ["deep nesting as the format", () => withField(["format"], deep), /not a dying-relu model file: expected "format"/],
  [
    "deep nesting as the version",
    () => withField(["version"], deep),
    /model file version \[\[… 1 items\]\] is not supported/,
  ],
  ["deep nesting as the input size", () => withField(["inputSize"], deep), /inputSize must be a whole number ≥ 1/],
  ["deep nesting as a layer", () => withField(["layers", 0], deep), /layers\[0\] must be \{ name: up to 200 printable/],
  ["deep nesting as a layer's name", () => withField(["layers", 0, "name"], deep), /layers\[0\] must be/],
  ["deep nesting as the encoding", () => withField(["encoding"], deep), /unknown encoding/],
  [
    "deep nesting as the weights",
    () => withField(["weights"], deep),
    /weights must hold one \{ kernel, bias \} per layer/,
  ],
  ["deep nesting as a kernel", () => withField(["weights", 0, "kernel"], deep), /kernel must be a base64 string/],
  [
    "a terminal escape in a layer name",
    () => withField(["layers", 0, "name"], '"\\u001b[2J\\u001b]0;x\\u0007"'),
    /layers\[0\] must be/,
  ],
  [
    "2^40 units",
    () => withField(["layers", 0, "units"], String(2 ** 40)),
    /kernel holds 6272 values, but its layer's shape needs 862017116176384$/m,
  ],
  [
    "a million layers",
    () => withField(["layers"], `[${Array(1e6).fill('{"name":"a","units":1,"activation":"relu"}').join(",")}]`),
    /layers must be an array of 1 to 1000/,
  ],
  [
    "a 65536 × 65536 layer with its (absent) weights",
    () => withField(["layers", 0, "units"], "65536"),
    /holds 6272 values, but its layer's shape needs 51380224/,
  ],
];

describe("evaluate on hostile model files", () => {
  it.each(hostile)("%s: one line, exit code 2, no value echoed", async (name, make, message) => {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
    writeFileSync(file, make());
    const { code, stdout, stderr } = await cli("evaluate", file);
    expect(stdout).toBe("");
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.length).toBeLessThan(600);
    expect(stderr).not.toMatch(/\[\[\[\[|internal error/);
    expect(stderr).not.toContain("\u001b");
  });

  it("a file over a model file's 1 GiB is refused before it is read", async () => {
    const file = join(dir, "huge.json");
    writeFileSync(file, "");
    truncateSync(file, 1.5 * 2 ** 30); // sparse: no disk used
    const { code, stderr } = await cli("evaluate", file);
    expect(code).toBe(2);
    expect(stderr).toMatch(/huge\.json: 1610612736 bytes, more than a model file may hold \(1024 MiB\)/);
  });
});
