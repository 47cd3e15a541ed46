// Runs `npm run build` only when a build output is missing or older than a source it comes from,
// so that `npm start` on a built checkout starts training at once.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const SOURCES = ["assembly", "src", "scripts", "asconfig.json", "tsconfig.json", "package.json", "package-lock.json"];
const OUTPUTS = [
  "dist/index.js",
  "dist/cli/main.js",
  "dist/report.schema.json",
  "dist/browser/dying-relu.js",
  "dist/browser/dying-relu.relaxed.wasm",
  "dist/browser/dying-relu.simd.wasm",
  "dist/browser/dying-relu.relaxed-threads.wasm",
  "dist/browser/dying-relu.simd-threads.wasm",
  "dist/site/index.html",
];

/** The latest modification time of a file, or of any file below a folder. */
function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = Math.max(
  ...SOURCES.map((s) => join(root, s))
    .filter(existsSync)
    .map(newest),
);
const outputs = OUTPUTS.map((o) => join(root, o));
const stale = outputs.some((o) => !existsSync(o) || statSync(o).mtimeMs < sources);
if (stale) execSync("npm run build", { cwd: root, stdio: "inherit" });
