// MNIST-format data sets (MNIST, Fashion-MNIST, …) from their four IDX files. Browser-safe:
// Node's file loading lives in mnist-node.ts.
import { ArgumentError, DataError, show } from "../errors.js";
import { expectImages, expectLabels, parseIdx } from "./idx.js";

export interface Split {
  /** count × rows × cols pixel bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface Mnist {
  train: Split;
  test: Split;
}

export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

export type MnistBuffers = Record<keyof typeof MNIST_FILES, ArrayBuffer | Uint8Array>;

const bytesOf = (b: ArrayBuffer | Uint8Array) => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** True for bytes that start with gzip's magic number (IDX files start with two zero bytes). */
export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function split(imagesBuf: Uint8Array, labelsBuf: Uint8Array, imagesName: string, labelsName: string): Split {
  for (const [b, name] of [
    [imagesBuf, imagesName],
    [labelsBuf, labelsName],
  ] as const) {
    if (isGzip(b)) throw new DataError(`${name}: gzip-compressed; decompress it first (loadMnist and fetchMnist do)`);
  }
  const images = parseIdx(imagesBuf, imagesName);
  const labels = parseIdx(labelsBuf, labelsName);
  const { count, rows, cols } = expectImages(images, imagesName);
  const labelCount = expectLabels(labels, labelsName);
  if (count !== labelCount) {
    throw new DataError(`${imagesName} holds ${count} images but ${labelsName} holds ${labelCount} labels`);
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/** Parses the four IDX files (uncompressed); the splits are views into the given buffers. */
export function mnistFromBuffers(b: MnistBuffers): Mnist {
  const f = MNIST_FILES;
  const train = split(bytesOf(b.trainImages), bytesOf(b.trainLabels), f.trainImages, f.trainLabels);
  const test = split(bytesOf(b.testImages), bytesOf(b.testLabels), f.testImages, f.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `training images are ${train.rows}×${train.cols} but test images are ${test.rows}×${test.cols}`,
    );
  }
  return { train, test };
}

export interface FetchMnistOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /**
   * Download progress over the four files, called as bytes arrive: `loaded` bytes so far and the
   * `total` of their Content-Lengths, or null until all four responses have given one.
   */
  onProgress?: (progress: { loaded: number; total: number | null }) => void;
  /** "auto" (default): NAME, then NAME.gz if that fails; true: only NAME.gz; false: only NAME. */
  gzip?: boolean | "auto";
}

/**
 * Fetches the four files from the folder baseUrl (relative to the page in a browser), each as
 * NAME or, failing that, NAME.gz. Gzip is recognised by its bytes, not the name, because a server
 * may already have undone it (Content-Encoding: gzip). The second argument may also be a fetch.
 */
export async function fetchMnist(
  baseUrl: string | URL,
  options: FetchMnistOptions | typeof fetch = {},
): Promise<Mnist> {
  const opts: FetchMnistOptions = typeof options === "function" ? { fetch: options } : (options ?? {});
  const fetchFn = opts.fetch ?? fetch;
  const gzip = opts.gzip ?? "auto";
  if (gzip !== "auto" && typeof gzip !== "boolean")
    throw new ArgumentError(`fetchMnist: gzip must be true, false or "auto", got ${show(gzip)}`);
  let folder: URL;
  try {
    folder = new URL(baseUrl, globalThis.location?.href);
  } catch {
    throw new ArgumentError(`fetchMnist: baseUrl ${show(baseUrl)} is not a URL`);
  }
  if (!folder.pathname.endsWith("/")) folder.pathname += "/";

  // Progress: bytes received per file and each file's Content-Length once its response is in.
  const names = Object.values(MNIST_FILES);
  const loaded = new Map<string, number>();
  const sizes = new Map<string, number | null>();
  const report = () => {
    if (!opts.onProgress) return;
    let done = 0;
    for (const v of loaded.values()) done += v;
    let total: number | null = 0;
    for (const name of names) {
      const size = sizes.get(name);
      total = size === undefined || size === null || total === null ? null : total + size;
    }
    opts.onProgress({ loaded: done, total });
  };
  const readBody = async (res: Response, name: string): Promise<Uint8Array<ArrayBuffer>> => {
    // With Content-Encoding the length is the encoded size, not that of the bytes read: unknown.
    const length = res.headers.get("content-encoding") ? NaN : Number(res.headers.get("content-length") ?? NaN);
    sizes.set(name, Number.isFinite(length) ? length : null);
    if (!opts.onProgress || !res.body) {
      const body = new Uint8Array(await res.arrayBuffer());
      loaded.set(name, body.length);
      report();
      return body;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      loaded.set(name, size);
      const expected = sizes.get(name);
      if (expected != null && size > expected) sizes.set(name, null); // a wrong length: no total
      report();
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    return body;
  };

  // The body, or why there is none: the HTTP status of an error, or the HTML page that dev servers
  // (Vite, say) answer for a missing file.
  const download = async (url: URL, name: string): Promise<Uint8Array<ArrayBuffer> | string> => {
    try {
      const res = await fetchFn(url);
      if (!res.ok) return `HTTP ${res.status}`;
      const type = res.headers.get("content-type") ?? "";
      if (/^text\/html\b/i.test(type)) {
        await res.body?.cancel();
        return "an HTML page instead of the file";
      }
      return await readBody(res, name);
    } catch (e) {
      throw new DataError(`cannot fetch ${url}: ${(e as Error)?.message ?? String(e)}`);
    }
  };
  const get = async (name: string): Promise<Uint8Array> => {
    const plain = new URL(name, folder);
    const zippedUrl = new URL(`${name}.gz`, folder);
    let url = gzip === true ? zippedUrl : plain;
    let body = await download(url, name);
    if (typeof body === "string") {
      if (gzip !== "auto") throw new DataError(`cannot fetch ${url}: ${body}`);
      url = zippedUrl;
      const zipped = await download(url, name);
      if (typeof zipped === "string") throw new DataError(`cannot fetch ${plain}: ${body} (and ${url}: ${zipped})`);
      body = zipped;
    }
    if (!isGzip(body)) return body;
    try {
      const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    } catch {
      throw new DataError(`${url}: not a valid gzip file`);
    }
  };
  const f = MNIST_FILES;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [f.trainImages, f.trainLabels, f.testImages, f.testLabels].map(get),
  );
  return mnistFromBuffers({ trainImages, trainLabels, testImages, testLabels });
}
