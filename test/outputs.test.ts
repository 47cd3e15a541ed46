// What the CLI writes, through the real CLI: every output path checked before any training,
// atomic writes that leave the old file whole when a write fails, and an interrupted sweep that
// keeps its finished runs and resumes to the results of an uninterrupted one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, cli } from "./support/cli.js";

let dir: string;
const SMALL = ["--lr", "0.1,0.05,0.01", "--epochs", "1", "--layers", "8", "--probe", "20", "--threads", "1"];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dying-relu-outputs-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (name: string) => join(dir, name);
/** The results without their timings, which differ from run to run. */
const untimed = (file: string) =>
  JSON.stringify(JSON.parse(readFileSync(file, "utf8")), (k, v) => (k === "seconds" ? 0 : v));

describe("output paths, before any training", () => {
  it.each([
    [
      ["--json", "same.txt", "--csv", "same.txt"],
      /--csv .*same\.txt is also --json; give each output a file of its own/,
    ],
    [["--json", "same.txt", "--report", "./same.txt", "--force"], /--report .*same\.txt is also --json/],
    [["--csv", "missing-dir/x.csv"], /--csv .*missing-dir\/x\.csv cannot be written: .* is missing or not writable/],
    [["--resume"], /--resume needs --json FILE/],
  ])("sweep %j: one line, exit code 2, nothing written", async (flags, message) => {
    const { code, stdout, stderr } = await cli("sweep", ...SMALL, ...flags.map((f) => (f.includes(".") ? at(f) : f)));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe(""); // not even the header: refused before the data is loaded
    expect(existsSync(at("same.txt"))).toBe(false);
  });

  it("merge refuses to write over one of its inputs, even with --force", async () => {
    const part = at("part.json");
    const { code } = await cli("sweep", ...SMALL, "--quiet", "--json", part);
    expect(code).toBe(0);
    const before = readFileSync(part, "utf8");
    const merged = await cli("merge", part, "--json", part, "--force");
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/--json .*part\.json is also an input file/);
    expect(readFileSync(part, "utf8")).toBe(before);
  });
});

describe("atomic writes", () => {
  it("a write that fails midway (a file size limit) leaves the old file whole and no temporary file", async () => {
    const file = at("kept.json");
    writeFileSync(file, '{"old": true}\n');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      // One block (1 kB in bash): the report (several kB) cannot be written whole.
      const child = spawn("bash", [
        "-c",
        `ulimit -f 1; exec "$0" "$@"`,
        process.execPath,
        BIN,
        "sweep",
        ...SMALL,
        "--quiet",
        "--json",
        file,
        "--force",
      ]);
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      child.on("close", (c) => done({ code: c, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^dying-relu: .*kept\.json(\.partial)? could not be written \(EFBIG\); nothing there was changed$/,
    );
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toBe('{"old": true}\n');
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("an interrupted sweep", () => {
  it("keeps its finished runs in FILE.partial, refuses to start over without --resume or --force, and resumes bit for bit", async () => {
    const whole = at("whole.json");
    expect((await cli("sweep", ...SMALL, "--workers", "1", "--quiet", "--json", whole)).code).toBe(0);

    const file = at("cut.json");
    // Stopped by SIGTERM once the first run is done: its report is out and the second run began.
    const signal = await new Promise<NodeJS.Signals | null>((done) => {
      const child = spawn(process.execPath, [BIN, "sweep", ...SMALL, "--workers", "1", "--json", file]);
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("── learning rate 0.05 ──")) child.kill("SIGTERM");
      });
      child.on("close", (_, s) => done(s));
    });
    expect(signal).toBe("SIGTERM");
    expect(existsSync(file)).toBe(false);
    const journal = JSON.parse(readFileSync(`${file}.partial`, "utf8"));
    expect(journal.done.map((d: { position: number }) => d.position)).toEqual([0]);

    const again = await cli("sweep", ...SMALL, "--workers", "1", "--json", file);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/cut\.json\.partial holds the finished runs of an interrupted sweep: pass --resume/);

    const other = await cli("sweep", ...SMALL, "--workers", "1", "--json", file, "--resume", "--epochs", "2");
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/is the journal of a different sweep/);

    // Resumed with two run workers: the missing runs train in parallel, with the same numbers.
    const resumed = await cli("sweep", ...SMALL, "--workers", "2", "--json", file, "--resume");
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming: 1 of 3 runs from .*cut\.json\.partial, 2 to train/);
    expect(untimed(file)).toBe(untimed(whole));
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it("refuses a journal that is not one, with one line", async () => {
    const file = at("bad.json");
    writeFileSync(`${file}.partial`, '{"format": "dying-relu-journal", "done": [{"position": 7}]');
    const { code, stderr } = await cli("sweep", ...SMALL, "--json", file, "--resume");
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.json\.partial: not a sweep journal/);
  });
});
