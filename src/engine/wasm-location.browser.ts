// The browser variant of wasm-location.ts, swapped in by the package.json "browser" map when the
// library is bundled (dist/browser/dying-relu.js): the .wasm files sit beside the bundle. The
// URLs are literal `new URL("./file", import.meta.url)` so that bundlers that follow that
// pattern (Vite, webpack, Parcel) copy the files along.

export function defaultWasmUrl(file: string): URL {
  switch (file) {
    case "dying-relu.relaxed.wasm":
      return new URL("./dying-relu.relaxed.wasm", import.meta.url);
    case "dying-relu.simd.wasm":
      return new URL("./dying-relu.simd.wasm", import.meta.url);
    case "dying-relu.relaxed-threads.wasm":
      return new URL("./dying-relu.relaxed-threads.wasm", import.meta.url);
    case "dying-relu.simd-threads.wasm":
      return new URL("./dying-relu.simd-threads.wasm", import.meta.url);
    default:
      return new URL(file, import.meta.url);
  }
}

/** No file system in a browser: wasm.ts fetches every URL. */
export const readFileUrl: ((url: URL) => Promise<ArrayBuffer>) | undefined = undefined;

/** A page cannot set V8 flags: relaxed SIMD is there or not. */
export const setV8Flag: ((flag: string) => void) | null = null;
