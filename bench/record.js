// Puts one bench run's tables into a docs page: each run becomes a section just below the page's
// marker line, newest first, so the page keeps every run with its machine and date. The page is
// replaced in one rename, so a killed bench leaves it whole.
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export const BENCH_RUNS = "<!-- npm run bench adds each run below this line, newest first -->";

/**
 * Inserts `heading` and `lines` (markdown; their "## " headings become "### ") below the line
 * `marker` of `file`.
 */
export function recordRun(file, marker, heading, lines) {
  const page = readFileSync(file, "utf8");
  const at = page.indexOf(`${marker}\n`);
  if (at < 0) throw new Error(`${file} has no line ${marker}`);
  const end = at + marker.length + 1;
  const body = lines
    .map((l) => l.replace(/^## /, "### "))
    .join("\n")
    .trim();
  const section = `\n## ${heading}\n\n${body}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, page.slice(0, end) + section + page.slice(end));
  renameSync(tmp, file);
}
