// Data folders from strangers: a file too large to read, and decompression bombs that each stay
// under a per-file cap but together would take gigabytes, are refused with one line before the
// memory is spent.
import { beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { defaultMnistDir, loadMnist } from "../src/data/mnist-node.js";
import { DataError } from "../src/errors.js";
import { MNIST_FILES } from "../src/data/mnist.js";
import { cli } from "./support/cli.js";

let dir: string;
const NAMES = Object.values(MNIST_FILES);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dying-relu-data-"));
});

/** A folder with copies of the real files, changed by `replace`. */
function folder(label: string, replace: (dir: string) => void): string {
  const d = join(dir, label);
  mkdirSync(d);
  for (const name of NAMES) copyFileSync(join(defaultMnistDir(), name), join(d, name));
  replace(d);
  return d;
}

describe("data folders", () => {
  it("a training-image file of 2.5 GiB is refused by its size before it is read (CLI: one line, exit 2)", async () => {
    const d = folder("huge", (d) => {
      const f = join(d, MNIST_FILES.trainImages);
      writeFileSync(f, "");
      truncateSync(f, 2.5 * 2 ** 30); // sparse: no disk used
    });
    const { code, stdout, stderr } = await cli("sweep", "--data", d, "--epochs", "1");
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /train-images-idx3-ubyte: 2684354560 bytes, more than the 1024 MiB left of the data set's 1024 MiB limit/,
    );
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
  });

  it("four small .gz files that together inflate past the limit are refused at the one that crosses it", async () => {
    // Each 400 kB of zeros inflates from about 0.4 kB; with a 1 MB limit the third one crosses it.
    const bomb = gzipSync(new Uint8Array(400_000));
    const d = join(dir, "bombs");
    mkdirSync(d);
    for (const name of NAMES) writeFileSync(join(d, `${name}.gz`), bomb);
    const load = loadMnist(d, { maxBytes: 1_000_000 });
    await expect(load).rejects.toBeInstanceOf(DataError);
    await expect(load).rejects.toThrow(
      /t10k-images-idx3-ubyte\.gz: cannot decompress: more than the 200000 bytes left of the data set's 1024 MiB limit, unzipped/,
    );
  });

  it("the real files fit the default limit", async () => {
    const mnist = await loadMnist(folder("real", () => {}));
    expect(mnist.train.count).toBe(60000);
  });
});
