// Where the engine's .wasm files are by default, and how to read one from a file: URL — the Node
// (and default) variant. Browser bundles get wasm-location.browser.ts instead, through the
// package.json "browser" map, so that they never reference Node built-ins. wasm.ts does the rest.

// Both src/engine/ and dist/engine/ sit two levels below the package root, beside build/.
const BASE = new URL("../../build/", import.meta.url);

export function defaultWasmUrl(file: string): URL {
  return new URL(file, BASE);
}

/** Reads a file: URL (Node only); wasm.ts fetches every other URL. */
export async function readFileUrl(url: URL): Promise<ArrayBuffer> {
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(url);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
