// The browser variant of spawn.ts, swapped in by the package.json "browser" map: a thread
// worker is a module Worker running dying-relu.thread.js, which sits beside the bundle. The URL is
// a literal `new URL("./file", import.meta.url)` so that bundlers following it copy the file.
import { handshake, type ThreadWorker, type ThreadReply } from "./work.js";

/** A thread worker running dying-relu.thread.js from `base` (createEngine's wasmBase), or from beside the bundle. */
export function spawnThreadWorker(base?: string | URL): ThreadWorker {
  const url =
    base === undefined
      ? new URL("./dying-relu.thread.js", import.meta.url)
      : new URL("dying-relu.thread.js", new URL(base, globalThis.location?.href));
  const w = new Worker(url, { type: "module" });
  const { answer, start } = handshake((init) => w.postMessage(init));
  w.onerror = (e) => answer({ ready: false, error: e.message || `the worker script ${url} failed to load` });
  w.onmessage = (e: MessageEvent<ThreadReply>) => answer(e.data);
  return { start, terminate: () => w.terminate() };
}

export function defaultThreads(): number {
  return globalThis.navigator?.hardwareConcurrency || 1;
}

export function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer === "undefined" || !globalThis.crossOriginIsolated) {
    return "the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
  }
  if (typeof Worker === "undefined") return "this context cannot start workers";
  return null;
}
