// A sweep's journal: FILE.partial beside --json FILE, rewritten atomically as each run finishes,
// so that a sweep that is stopped (Ctrl-C, SIGTERM, a preempted job) loses only the runs in
// progress, and `sweep … --resume` trains only the runs it does not hold. Removed once FILE is written.
import { readFileSync, rmSync } from "node:fs";
import { ArgumentError, DataError, printable } from "../errors.js";
import { checkReport } from "../study/check-report.js";
import { isRunOf, type Cell } from "../study/grid.js";
import { SCHEMA_VERSION, type ReportConfig, type Run } from "../study/schema.js";
import { writeAtomic } from "./outputs.js";

const FORMAT = "dying-relu-journal";

interface JournalFile {
  format: typeof FORMAT;
  config: ReportConfig;
  /** Finished runs by their position in the sweep's runs (this shard's, in grid order). */
  done: { position: number; run: Run }[];
}

export const journalPath = (json: string) => `${json}.partial`;

/**
 * The finished runs in the journal at `path`, by position in `cells`; refuses (one line) a
 * journal that is not one, belongs to another sweep (any config field differs) or holds runs
 * that are not those cells'.
 */
export function readJournal(path: string, config: ReportConfig, cells: Cell[]): Map<number, Run> {
  const name = printable(path);
  let data: JournalFile;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new DataError(`${name}: not a sweep journal (${printable(String((e as Error).message).split("\n")[0])})`);
  }
  if (data?.format !== FORMAT || !Array.isArray(data.done)) throw new DataError(`${name}: not a sweep journal`);
  if (JSON.stringify(data.config) !== JSON.stringify(config)) {
    throw new ArgumentError(
      `${name} is the journal of a different sweep (other settings, engine or threads); run the same command to resume it, or pass --force to start over`,
    );
  }
  const runs = data.done.map((d) => d?.run);
  checkReport({ schemaVersion: SCHEMA_VERSION, config, runs }, name);
  const done = new Map<number, Run>();
  for (const [k, { position }] of data.done.entries()) {
    if (!Number.isInteger(position) || position < 0 || position >= cells.length || done.has(position)) {
      throw new DataError(`${name}: done[${k}].position is not the position of a run this sweep has not seen yet`);
    }
    if (!isRunOf(runs[k], cells[position])) throw new DataError(`${name}: done[${k}] is not the run of its position`);
    done.set(position, runs[k]);
  }
  return done;
}

/** Records each finished run in the journal at `path` (atomically: an interrupted write keeps the previous one). */
export class JournalWriter {
  constructor(
    private readonly path: string,
    private readonly config: ReportConfig,
    private readonly done: Map<number, Run>,
  ) {}

  add(position: number, run: Run): void {
    this.done.set(position, run);
    const done = [...this.done].sort(([a], [b]) => a - b).map(([position, run]) => ({ position, run }));
    writeAtomic(
      this.path,
      `${JSON.stringify({ format: FORMAT, config: this.config, done } satisfies JournalFile)}\n`,
      true,
    );
  }

  /** Once the results are written, the journal has served its purpose. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
