// The browser variant of thread-spawn.ts, swapped in by the package.json "browser" map: a thread
// worker is a module Worker running dying-relu.thread.js, which sits beside the bundle. The URL is
// a literal `new URL("./file", import.meta.url)` so that bundlers following it copy the file.
import type { WorkerInit, WorkerReply } from "./thread-work.js";

export interface ThreadWorker {
  start(init: WorkerInit, timeoutMs: number): Promise<WorkerReply>;
  terminate(): void;
}

export function spawnThreadWorker(): ThreadWorker {
  const w = new Worker(new URL("./dying-relu.thread.js", import.meta.url), { type: "module" });
  let answer: ((r: WorkerReply) => void) | null = null;
  w.onerror = (e) => answer?.({ ready: false, error: e.message || "the worker script failed to load" });
  w.onmessage = (e: MessageEvent<WorkerReply>) => answer?.(e.data);
  return {
    start(init, timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => answer?.({ ready: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
        answer = (r) => {
          clearTimeout(timer);
          answer = null;
          resolve(r);
        };
        w.postMessage(init);
      });
    },
    terminate() {
      w.terminate();
    },
  };
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
