// Wall time and peak resident memory of `dying-relu sweep` as a user runs it (a fresh process).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function measureSweep(workers, { quick = false } = {}) {
  const args = [
    "sweep",
    "--quiet",
    "--workers",
    String(workers),
    ...(quick ? ["--epochs", "1", "--lr", "0.01,0.001", "--validation-split", "0.95"] : []),
  ];
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [...process.execArgv, `${root}bench/rss.js`, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMB = Number(/^maxRSS (\d+)$/m.exec(out)?.[1]) / 1024;
  return { seconds, maxRssMB };
}
