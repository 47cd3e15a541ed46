// Copies assembly/codes.ts, the engine's one list of codes, to src/engine/codes.ts for the host
// and the JS twin. `--check` exits 1 instead of writing when the copy is stale.
import { readFileSync, writeFileSync } from "node:fs";

const source = new URL("../assembly/codes.ts", import.meta.url);
const target = new URL("../src/engine/codes.ts", import.meta.url);

export function generatedCodes() {
  return `// Generated from assembly/codes.ts by scripts/codes.mjs (npm run build); edit that file instead.\n${readFileSync(source, "utf8")}`;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const text = generatedCodes();
  if (process.argv.includes("--check")) {
    if (readFileSync(target, "utf8") !== text) {
      process.stderr.write("src/engine/codes.ts is stale: run node scripts/codes.mjs\n");
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
  }
}
