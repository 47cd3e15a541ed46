// `dying-relu merge` for the continual study's shard files: each checked against the continual
// schema, then joined into the whole study's report (shard null) if they fit together.
import { ArgumentError, DataError, printable } from "../errors.js";
import { checkContinualReport } from "../study/continual-schema.js";
import { continualJobs } from "../study/continual.js";
import { shardPositions, type Shard } from "../study/grid.js";
import { htmlContinualReport } from "./continual-report.js";
import type { ContinualReport } from "../study/continual-schema.js";
import { summaryTable } from "../study/continual-summary.js";
import { writeAtomic } from "./outputs.js";
import type { Output } from "./progress.js";

export const isContinualFile = (data: unknown) =>
  typeof data === "object" && data !== null && (data as { kind?: unknown }).kind === "continual";

const shardName = (s: Shard | null) => (s ? `${s.index}/${s.count}` : "all runs");

/** The shards' runs in the study's order; a one-line error when the files do not fit together. */
export function mergeContinual(files: string[], reports: ContinualReport[]): ContinualReport {
  const [first] = reports;
  reports.forEach((r, j) => {
    if (JSON.stringify(r.config) !== JSON.stringify(first.config))
      throw new ArgumentError(
        `${files[j]} and ${files[0]} come from different continual studies (their configs differ)`,
      );
  });
  const count = first.shard?.count ?? 1;
  const jobs = continualJobs(first.config);
  const owner = new Map<number, string>();
  const runs: ContinualReport["runs"] = new Array(jobs.length);
  reports.forEach((r, j) => {
    if ((r.shard?.count ?? 1) !== count)
      throw new ArgumentError(
        `${files[0]} is shard ${shardName(first.shard)} but ${files[j]} is ${shardName(r.shard)}`,
      );
    const index = r.shard?.index ?? 1;
    const previous = owner.get(index);
    if (previous !== undefined)
      throw new ArgumentError(`${previous} and ${files[j]} both hold shard ${shardName(r.shard)}`);
    owner.set(index, files[j]);
    const positions = shardPositions(jobs.length, r.shard);
    const fits =
      r.runs.length === positions.length &&
      positions.every((p, k) => r.runs[k].method === jobs[p].method && r.runs[k].seed === jobs[p].seed);
    if (!fits) throw new DataError(`${files[j]}: its runs are not those of shard ${shardName(r.shard)} of its config`);
    positions.forEach((p, k) => (runs[p] = r.runs[k]));
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !owner.has(i));
  if (missing.length)
    throw new ArgumentError(
      `missing shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")}`,
    );
  const seconds = reports.reduce((s, r) => s + r.seconds, 0);
  return { ...first, shard: null, seconds, runs };
}

export async function mergeContinualFiles(
  files: string[],
  data: unknown[],
  values: { json?: string; report?: string; force?: boolean },
  out: Output,
): Promise<void> {
  const reports = data.map((d, i) => checkContinualReport<ContinualReport>(d, printable(files[i])));
  const merged = mergeContinual(files.map(printable), reports);
  out.write(
    `dying-relu merge · ${files.length} continual file${files.length === 1 ? "" : "s"} · ${merged.runs.length} runs\n\n`,
  );
  out.write(`${summaryTable(merged.runs)}\n`);
  const force = values.force ?? false;
  if (values.json) {
    writeAtomic(values.json, `${JSON.stringify(merged, null, 2)}\n`, force);
    out.write(`\nWrote ${values.json}\n`);
  }
  if (values.report) {
    writeAtomic(values.report, htmlContinualReport(merged), force);
    out.write(`Wrote ${values.report}\n`);
  }
}
