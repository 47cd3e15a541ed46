// Node's entry for a thread worker (worker_threads); entry.browser.ts is the page's.
import { parentPort } from "node:worker_threads";
import { serve } from "./worker.js";
import type { ThreadInit } from "./work.js";

parentPort!.once("message", (init: ThreadInit) => void serve(init, (r) => parentPort!.postMessage(r)));
