// MNIST for the lab's workers: fetched once per worker (as NAME.gz beside the page), with the
// download's progress and the time it took posted to the page.
import { fetchMnist, type Mnist } from "../index.js";
import { throttle } from "../study/events.js";

export type DataMessage =
  | { type: "data-progress"; loaded: number; total: number | null }
  | { type: "data-ready"; train: number; test: number; seconds: number };

let cached: { url: string; mnist: Mnist } | null = null;

/** The data set at `url`, fetched on the first call (and again only for another URL). */
export async function loadData(url: string, post: (m: DataMessage) => void): Promise<Mnist> {
  if (cached?.url === url) return cached.mnist;
  const started = performance.now();
  const tick = throttle(100);
  const mnist = await fetchMnist(url, {
    gzip: true,
    onProgress: ({ loaded, total }) => {
      if (tick(total !== null && loaded === total)) post({ type: "data-progress", loaded, total });
    },
  });
  cached = { url, mnist };
  post({
    type: "data-ready",
    train: mnist.train.count,
    test: mnist.test.count,
    seconds: (performance.now() - started) / 1000,
  });
  return mnist;
}
