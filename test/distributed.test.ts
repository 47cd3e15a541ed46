// The job-array examples of docs/distributed.md, run here as their schedulers would: each file's
// own command once per index of the array (with the variable that scheduler sets), then its merge
// command. The grid is swapped for a small one; the merged runs must be the unsharded sweep's.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN as CLI } from "./support/cli.js";

const examples = join(import.meta.dirname, "..", "docs", "distributed");
const GRID = "--seeds 5 --activation relu,leaky_relu";
const SMALL = "--lr 0.1,0.01 --seeds 2 --epochs 1 --layers 8 --probe 100";
const SHARDS = 4;
const MATRIX_SHARD = "$" + "{{ matrix.shard }}"; // the workflow's expression, which GitHub fills in

type Run = Record<string, unknown>;
const withoutSeconds = (runs: Run[]) => runs.map(({ seconds, ...rest }) => rest);

/** The example's text with the small grid in place of its own (which must be there). */
function example(name: string): string {
  const text = readFileSync(join(examples, name), "utf8");
  expect(text).toContain(GRID);
  return text.replaceAll(GRID, SMALL);
}

/** The commented merge line of a shell or YAML example. */
const mergeLine = (text: string) => /^#\s+(npx --yes dying-relu merge .*)$/m.exec(text)?.[1] ?? "";

describe("docs/distributed/", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let reference: Run[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dying-relu-array-"));
    // `npx --yes dying-relu …` runs this checkout's CLI.
    mkdirSync(join(dir, "bin"));
    const shim = join(dir, "bin", "npx");
    writeFileSync(
      shim,
      `#!/bin/sh\n[ "$1" = --yes ] && [ "$2" = dying-relu ] || exit 99\nshift 2\nexec "${process.execPath}" "${CLI}" "$@"\n`,
    );
    chmodSync(shim, 0o755);
    env = { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` };
    execFileSync(process.execPath, [CLI, "sweep", ...SMALL.split(" "), "--json", join(dir, "all.json"), "--quiet"]);
    reference = JSON.parse(readFileSync(join(dir, "all.json"), "utf8")).runs;
    expect(reference).toHaveLength(4);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `commands` (shell, one per array index) in a fresh folder, then `merge`; returns the merged runs. */
  function array(name: string, command: (shard: number) => [string, NodeJS.ProcessEnv], merge: string): Run[] {
    const cwd = join(dir, name);
    mkdirSync(cwd);
    for (let k = 1; k <= SHARDS; k++) {
      const [script, vars] = command(k);
      execFileSync("sh", ["-c", script], { cwd, env: { ...env, ...vars }, stdio: "pipe" });
    }
    expect(merge).toMatch(/merge part\*\.json --json all\.json/);
    execFileSync("sh", ["-c", merge], { cwd, env, stdio: "pipe" });
    return JSON.parse(readFileSync(join(cwd, "all.json"), "utf8")).runs;
  }

  it("slurm.sh as a job array (SLURM_ARRAY_TASK_ID 1…4)", () => {
    const text = example("slurm.sh");
    writeFileSync(join(dir, "slurm.sh"), text);
    expect(text).toContain(`#SBATCH --array=1-${SHARDS}`);
    const runs = array(
      "slurm",
      (k) => [`sh ${join(dir, "slurm.sh")}`, { SLURM_ARRAY_TASK_ID: String(k) }],
      mergeLine(text),
    );
    expect(withoutSeconds(runs)).toEqual(withoutSeconds(reference));
  }, 120_000);

  it("indexed-job.yaml as an Indexed Job (JOB_COMPLETION_INDEX 0…3)", () => {
    const text = example("indexed-job.yaml");
    expect(text).toContain(`completions: ${SHARDS}`);
    // The container's folded `sh -c` argument, its lines joined by spaces as YAML's >- does.
    const folded = /- >-\n((?:\s{14}.*\n)+)/.exec(text)?.[1] ?? "";
    const script = folded
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join(" ");
    const runs = array("k8s", (k) => [script, { JOB_COMPLETION_INDEX: String(k - 1) }], mergeLine(text));
    expect(withoutSeconds(runs)).toEqual(withoutSeconds(reference));
  }, 120_000);

  it("github-actions.yml as a matrix (shard 1…4) and its merge job", () => {
    const text = example("github-actions.yml");
    expect(text).toContain(`shard: [${Array.from({ length: SHARDS }, (_, i) => i + 1).join(", ")}]`);
    const steps = [...text.matchAll(/- run: (.*)$/gm)].map((m) => m[1]);
    const [sweep, merge] = [steps.find((s) => s.includes(" sweep ")), steps.find((s) => s.includes(" merge "))];
    const shard = (k: number) => (sweep ?? "").replaceAll(MATRIX_SHARD, String(k));
    const runs = array("matrix", (k) => [shard(k), {}], merge ?? "");
    expect(withoutSeconds(runs)).toEqual(withoutSeconds(reference));
  }, 120_000);
});
