// Where the engine's .wasm files are by default, how to read one from a file: URL, and how to turn
// relaxed SIMD on — the Node (and default) variant. Browser bundles get wasm-location.browser.ts
// instead, through the package.json "browser" map, so that they never reference Node built-ins.
// wasm.ts does the rest.
import { setFlagsFromString } from "node:v8";

// Both src/engine/ and dist/engine/ sit two levels below the package root. The build copies the
// .wasm files into dist/browser/ for the browser bundle; Node loads that one copy too, so the
// package ships each .wasm once.
const BASE = new URL("../../dist/browser/", import.meta.url);

export function defaultWasmUrl(file: string): URL {
  return new URL(file, BASE);
}

/** Reads a file: URL (Node only); wasm.ts fetches every other URL. */
export async function readFileUrl(url: URL): Promise<ArrayBuffer> {
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(url);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/**
 * Sets a V8 flag at run time. Flags are process-wide, so worker threads started afterwards see it
 * too. Only for flags this V8 knows: it prints an error for the others.
 */
export function setV8Flag(flag: string): void {
  setFlagsFromString(flag);
}
