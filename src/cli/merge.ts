// `dying-relu merge`: joins the --json files of a sharded sweep (--shard K/N) into one report.
import { parseArgs } from "node:util";
import { ArgumentError, DataError, printable, show } from "../errors.js";
import { checkReport } from "../study/check-report.js";
import { DEFAULT_AXES, expandGrid, isDefaultCell, isRunOf, shardPositions, type Shard } from "../study/grid.js";
import type { Run } from "../study/schema.js";
import type { Output } from "./progress.js";
import { seedSummaryTable, summaryTable, summaryTitle } from "./report.js";
import { SCHEMA_VERSION, type Report } from "../study/schema.js";
import { readBoundedText } from "./inputs.js";
import { checkOutputs } from "./outputs.js";
import { outputFiles, writeResults } from "./sweep.js";
import { isContinualFile, mergeContinualFiles } from "./continual-merge.js";

export const MERGE_HELP = `Usage: dying-relu merge FILE... [flags]

Joins the --json files written by "dying-relu sweep --shard K/N" (one per shard, any order) into
one report and prints the sweep's summary table; the files of "dying-relu continual --shard K/N"
join the same way. The files must come from the same sweep: every
config field but "shard" must be equal, each shard 1/N … N/N must be there exactly once, and each
file must hold exactly its shard's runs. Anything else is refused with one line naming the problem.

Flags (default in brackets):
  --json FILE     write the merged report (schema ${SCHEMA_VERSION}, "shard": null) to FILE [none]
  --csv FILE      write one row per run to FILE, as sweep --csv does [none]
  --report FILE   write a self-contained HTML report, as sweep --report does [none]
  --force         let --json, --csv and --report overwrite existing files
  -h, --help      show this help

Example:
  dying-relu sweep --seeds 5 --shard 1/2 --json part1.json   # e.g. on one machine
  dying-relu sweep --seeds 5 --shard 2/2 --json part2.json   # and on another
  dying-relu merge part1.json part2.json --json all.json
`;

const FLAGS = {
  json: { type: "string" },
  csv: { type: "string" },
  report: { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

// Config values have passed the schema (bounded in size and depth), so their JSON is safe to cut and print.
const showField = (v: unknown) => (v === undefined ? "nothing" : printable(JSON.stringify(v), 120));
const shardName = (s: Shard | null) => (s ? `${s.index}/${s.count}` : "the whole grid");

/** Results files above this size are refused before reading (the largest real one is a few MB). */
const MAX_FILE_BYTES = 256 * 2 ** 20;

async function readJson(file: string): Promise<unknown> {
  const text = await readBoundedText(file, MAX_FILE_BYTES, "a results file");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`${printable(file)}: not JSON (${printable(String((e as Error).message).split("\n")[0])})`);
  }
}

function readReport(data: unknown, file: string): Report {
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  // A results file of another schema (schema 1 had none) gets its own message, not the schema's.
  const results = typeof data === "object" && data !== null && ("schemaVersion" in data || "runs" in data);
  if (results && version !== SCHEMA_VERSION) {
    throw new DataError(
      `${printable(file)}: schemaVersion ${version === undefined ? "nothing" : show(version)}, but merge reads schema ${SCHEMA_VERSION} reports (rerun the sweep with this version)`,
    );
  }
  return checkReport(data, printable(file));
}

/** Joins shard reports into the whole grid's report; throws a one-line error if they do not fit together. */
export function mergeReports(files: string[], reports: Report[]): Report {
  if (reports.length === 0)
    throw new ArgumentError("merge needs at least one --json report (see dying-relu merge --help)");
  const [first, ...rest] = reports;
  const keys = (c: object) => Object.keys(c).filter((k) => k !== "shard");
  for (const [j, r] of rest.entries()) {
    for (const key of new Set([...keys(first.config), ...keys(r.config)])) {
      const [a, b] = [
        (first.config as unknown as Record<string, unknown>)[key],
        (r.config as unknown as Record<string, unknown>)[key],
      ];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        throw new ArgumentError(
          `config field "${key}" differs: ${files[0]} has ${showField(a)}, ${files[j + 1]} has ${showField(b)}; only "shard" may differ`,
        );
      }
    }
  }
  const { config } = first;
  const grid = expandGrid(config.learningRates, config.seed, config.seeds, {
    activations: config.activations ?? DEFAULT_AXES.activations,
    initializers: config.initializers ?? DEFAULT_AXES.initializers,
  });
  const count = first.config.shard?.count ?? 1;
  const owner = new Map<number, string>(); // shard index → file
  for (const [j, r] of reports.entries()) {
    const shard = r.config.shard;
    if ((shard?.count ?? 1) !== count) {
      throw new ArgumentError(
        `${files[0]} is shard ${shardName(first.config.shard)} but ${files[j]} is ${shardName(shard)}: the files come from different splits of the grid`,
      );
    }
    const index = shard?.index ?? 1;
    const previous = owner.get(index);
    if (previous !== undefined)
      throw new ArgumentError(
        `${previous} and ${files[j]} both hold shard ${shardName(shard)}: duplicate or overlapping shards`,
      );
    owner.set(index, files[j]);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !owner.has(i));
  if (missing.length) {
    throw new ArgumentError(
      `missing shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} (got ${[
        ...owner.keys(),
      ]
        .sort((a, b) => a - b)
        .map((i) => `${i}/${count}`)
        .join(", ")})`,
    );
  }
  const runs: Run[] = new Array(grid.length);
  for (const [j, r] of reports.entries()) {
    const positions = shardPositions(grid.length, r.config.shard);
    const fits = r.runs.length === positions.length && positions.every((p, k) => isRunOf(r.runs[k], grid[p]));
    if (!fits) {
      throw new DataError(
        `${files[j]}: its runs are not those of shard ${shardName(r.config.shard)} of its config (expected ${positions.length} runs in grid order)`,
      );
    }
    positions.forEach((p, k) => (runs[p] = r.runs[k]));
  }
  return { schemaVersion: SCHEMA_VERSION, config: { ...config, shard: null }, runs };
}

export async function merge(args: string[], out: Output): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
  if (values.help) {
    out.write(MERGE_HELP);
    return;
  }
  const force = values.force ?? false;
  if (positionals.length === 0)
    throw new ArgumentError("merge needs the --json files of the shards (see dying-relu merge --help)");
  await checkOutputs(outputFiles(values), force, positionals);
  const data = await Promise.all(positionals.map(readJson));
  const continual = data.map(isContinualFile);
  if (continual.some(Boolean)) {
    const other = continual.indexOf(false);
    if (other >= 0)
      throw new ArgumentError(
        `${printable(positionals[other])} is not a continual results file, but ${printable(positionals[continual.indexOf(true)])} is: merge one kind at a time`,
      );
    if (values.csv) throw new ArgumentError("--csv is for sweep results; continual files merge to --json and --report");
    await mergeContinualFiles(positionals, data, values, out);
    return;
  }
  const reports = data.map((d, i) => readReport(d, positionals[i]));
  const report = mergeReports(positionals, reports);
  const { config, runs } = report;
  out.write(
    `dying-relu merge · ${positionals.length} file${positionals.length === 1 ? "" : "s"} · ${runs.length} run${runs.length === 1 ? "" : "s"} · ` +
      `engine ${config.backend} · hidden layers ${config.layers.join("-")} · data: ${config.data}\n`,
  );
  const named = runs.some((r) => !isDefaultCell(r));
  out.write(
    `\n${summaryTitle(runs, config.probe, named ? "learning rate, activation and init" : "learning rate")}` +
      (config.seeds > 1 ? `, mean ± std (min–max) over ${config.seeds} seeds\n` : "\n"),
  );
  out.write(config.seeds > 1 ? seedSummaryTable(runs) : summaryTable(runs));
  await writeResults(report, values.json, values.csv, force, out, values.report);
}
