// npm run bench:node -- 20 22 24 26: one epoch of the seed workload on one thread, each wasm build,
// on each Node version (installed by scripts/node-bin.sh), as a table and bench/node-versions.json.
// The versions take turns, round after round, and each row is the median of its rounds, so that a
// burst of load on a shared machine lands on no version alone.
//   node bench/node-versions.js [--rounds N] [--quick] [--out FILE] [MAJOR ...]
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { cpus } from "node:os";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    child: { type: "boolean" },
    quick: { type: "boolean" },
    rounds: { type: "string" },
    out: { type: "string" },
  },
});
const root = fileURLToPath(new URL("..", import.meta.url));
const BATCH = 128;

if (opts.child) {
  // One process per measurement: its Node version, its builds, one epoch each.
  const { relaxedSimdSupported } = await import("../dist/index.js");
  const { loadMnist } = await import("../dist/node.js");
  const { ourEpoch, TRAIN } = await import("./workload.js");
  const mnist = await loadMnist();
  const samples = opts.quick ? 2_048 : TRAIN;
  const builds = relaxedSimdSupported() ? ["wasm-relaxed", "wasm-simd"] : ["wasm-simd"];
  const epochs = {};
  for (const b of builds) epochs[b] = (await ourEpoch(b, mnist, { batch: BATCH, samples })).seconds;
  process.stdout.write(`${JSON.stringify({ node: process.version, samples, epochs })}\n`);
  process.exit(0);
}

const rounds = Number(opts.rounds ?? (opts.quick ? 1 : 3));
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`bench/node-versions.js: --rounds must be a whole number ≥ 1, got ${opts.rounds}\n`);
  process.exit(2);
}
// No versions named: the Node running this script.
const nodes =
  positionals.length === 0
    ? [process.execPath]
    : positionals.map(
        (m) => `${execFileSync("bash", [`${root}scripts/node-bin.sh`, m], { encoding: "utf8" }).trim()}/node`,
      );
const seen = nodes.map(() => []);
for (let r = 0; r < rounds; r++) {
  nodes.forEach((node, i) => {
    const args = [fileURLToPath(import.meta.url), "--child", ...(opts.quick ? ["--quick"] : [])];
    seen[i].push(JSON.parse(execFileSync(node, args, { encoding: "utf8" })));
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = seen.flatMap((runs) =>
  Object.keys(runs[0].epochs).map((build) => ({
    node: runs[0].node,
    build,
    batch: BATCH,
    samples: runs[0].samples,
    seconds: median(runs.map((x) => x.epochs[build])),
    rounds: runs.map((x) => x.epochs[build]),
  })),
);
const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length };
process.stdout.write(
  `dying-relu bench: the seed epoch (784-128-64-32-10, Adam, ${rows[0].samples} images, batch ${BATCH}) on one thread, median of ${rounds} round${rounds === 1 ? "" : "s"}\n`,
);
process.stdout.write(`${machine.cpu}, ${machine.cores} cores\n\n| Node | build | s/epoch |\n|-|-|-:|\n`);
for (const r of rows) process.stdout.write(`| ${r.node} | ${r.build} | ${r.seconds.toFixed(2)} |\n`);
const out = opts.out ?? `${root}bench/node-versions.json`;
writeFileSync(
  out,
  `${JSON.stringify({ machine, date: new Date().toISOString(), quick: Boolean(opts.quick), rows }, null, 2)}\n`,
);
process.stdout.write(`\nwrote ${out}\n`);
