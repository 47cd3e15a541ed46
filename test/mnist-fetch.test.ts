// fetchMnist's options for the web lab: download progress and fetching NAME.gz directly.
import { describe, it, expect } from "vitest";
import { gzipSync } from "node:zlib";
import { fetchMnist, MNIST_FILES } from "../src/data/mnist.js";
import { DataError } from "../src/errors.js";
import { idx } from "./support/idx-files.js";

const base = "https://data.example/mnist/";
const files = (): Record<string, Uint8Array> => ({
  [MNIST_FILES.trainImages]: idx(
    [3, 2, 2],
    Uint8Array.from({ length: 12 }, (_, i) => i),
  ),
  [MNIST_FILES.trainLabels]: idx([3], Uint8Array.of(5, 0, 4)),
  [MNIST_FILES.testImages]: idx(
    [2, 2, 2],
    Uint8Array.from({ length: 8 }, (_, i) => 100 + i),
  ),
  [MNIST_FILES.testLabels]: idx([2], Uint8Array.of(7, 2)),
});
const gzipped = () =>
  Object.fromEntries(Object.entries(files()).map(([name, bytes]) => [`${name}.gz`, gzipSync(bytes)]));

/** Serves files under base in chunks of `chunk` bytes, with or without Content-Length; logs the URLs. */
function server(served: Record<string, Uint8Array>, log: string[], { chunk = 5, length = true } = {}): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    log.push(url);
    const body = served[url.slice(base.length)];
    if (!body) return new Response("Not Found", { status: 404 });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < body.length; i += chunk) c.enqueue(body.slice(i, i + chunk));
        c.close();
      },
    });
    return new Response(stream, { headers: length ? { "content-length": String(body.length) } : {} });
  }) as typeof fetch;
}

describe("fetchMnist options", () => {
  it("reports bytes received against the sum of the Content-Lengths", async () => {
    const served = gzipped();
    const totalBytes = Object.values(served).reduce((s, b) => s + b.length, 0);
    const progress: { loaded: number; total: number | null }[] = [];
    const log: string[] = [];
    const data = await fetchMnist(base, {
      fetch: server(served, log),
      gzip: true,
      onProgress: (p) => progress.push(p),
    });
    expect(data.train.count).toBe(3);
    expect(data.test.labels).toEqual(Uint8Array.of(7, 2));
    // Only the .gz names were asked for: no 404s in a browser's console.
    expect(log.every((u) => u.endsWith(".gz"))).toBe(true);
    expect(log).toHaveLength(4);
    expect(progress.length).toBeGreaterThan(4);
    const loaded = progress.map((p) => p.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ loaded: totalBytes, total: totalBytes });
    for (const p of progress) if (p.total !== null) expect(p.total).toBe(totalBytes);
  });

  it("gives a null total when a response has no Content-Length", async () => {
    const progress: { loaded: number; total: number | null }[] = [];
    await fetchMnist(base, { fetch: server(files(), [], { length: false }), onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)?.total).toBeNull();
    expect(progress.at(-1)?.loaded).toBe(Object.values(files()).reduce((s, b) => s + b.length, 0));
  });

  it("with gzip: false asks only for the plain names and names the missing one", async () => {
    const log: string[] = [];
    const error = await fetchMnist(base, { fetch: server(gzipped(), log), gzip: false }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/^cannot fetch https:\/\/data\.example\/mnist\/[a-z0-9-]+: HTTP 404$/);
    expect(log.some((u) => u.endsWith(".gz"))).toBe(false);
  });

  it("still takes a bare fetch as its second argument", async () => {
    const data = await fetchMnist(base, server(files(), []));
    expect(data.train.labels).toEqual(Uint8Array.of(5, 0, 4));
  });
});

describe("fetchMnist behind dev servers", () => {
  /** A server that answers every missing file with its index.html, as Vite's dev server does. */
  const spa = (served: Record<string, Uint8Array>, log: string[]): typeof fetch =>
    (async (input: RequestInfo | URL) => {
      const url = String(input);
      log.push(url);
      const body = served[url.slice(base.length)];
      if (!body) return new Response("<!doctype html><html></html>", { headers: { "content-type": "text/html" } });
      return new Response(new Blob([body as Uint8Array<ArrayBuffer>]), {
        headers: { "content-type": "application/octet-stream" },
      });
    }) as typeof fetch;

  it("treats an HTML page for a missing file as missing, and takes the .gz", async () => {
    const log: string[] = [];
    const data = await fetchMnist(base, spa(gzipped(), log));
    expect(data.train.count).toBe(3);
    expect(log.filter((u) => u.endsWith(".gz"))).toHaveLength(4);
  });

  it("says it got an HTML page when neither name is there", async () => {
    await expect(fetchMnist(base, spa({}, []))).rejects.toThrow(
      /^cannot fetch https:\/\/data\.example\/mnist\/[a-z0-9-]+: an HTML page instead of the file \(and .*\.gz: an HTML page instead of the file\)$/,
    );
  });

  it("reports no total when the server re-encodes the files, so progress never passes it", async () => {
    const served = gzipped();
    const progress: { loaded: number; total: number | null }[] = [];
    // Content-Encoding: gzip with the encoded length, and the decoded bytes in the body.
    const reencoding = (async (input: RequestInfo | URL) => {
      const body = served[String(input).slice(base.length)];
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(body);
          c.close();
        },
      });
      return new Response(stream, {
        headers: { "content-encoding": "gzip", "content-length": String(Math.ceil(body.length / 4)) },
      });
    }) as typeof fetch;
    await fetchMnist(base, { fetch: reencoding, gzip: true, onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(p.total === null || p.loaded <= p.total).toBe(true);
    expect(progress.at(-1)?.total).toBeNull();
  });

  it("drops the total when a body runs past its Content-Length", async () => {
    const served = gzipped();
    const progress: { loaded: number; total: number | null }[] = [];
    const lying = (async (input: RequestInfo | URL) => {
      const body = served[String(input).slice(base.length)];
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < body.length; i += 3) c.enqueue(body.slice(i, i + 3));
          c.close();
        },
      });
      return new Response(stream, { headers: { "content-length": "4" } });
    }) as typeof fetch;
    await fetchMnist(base, { fetch: lying, gzip: true, onProgress: (p) => progress.push(p) });
    for (const p of progress) expect(p.total === null || p.loaded <= p.total).toBe(true);
  });
});
