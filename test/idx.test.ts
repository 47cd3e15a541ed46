// The IDX parser on hand-built files, every malformed header we can think of, and fuzzing.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { parseIdx, expectImages, expectLabels, type IdxTensor } from "../src/data/idx.js";
import { DataError } from "../src/errors.js";
import { idx } from "./support/idx-files.js";

const pixels = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
const images = () => idx([2, 2, 3], pixels);
const labels = () => idx([3], Uint8Array.of(5, 0, 9));

/** Asserts that parse() throws a one-line DataError starting with the file's name and matching `message`. */
function expectDataError(parse: () => unknown, message: RegExp, name = "f.idx") {
  let error: unknown;
  try {
    parse();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DataError);
  const text = (error as Error).message;
  expect(text.startsWith(`${name}: `)).toBe(true);
  expect(text).not.toContain("\n");
  expect(text).toMatch(message);
}

describe("parseIdx on valid files", () => {
  it("reads an image file: dims and pixels, as a view into the input", () => {
    const bytes = images();
    const t = parseIdx(bytes, "f.idx");
    expect(t.dims).toEqual([2, 2, 3]);
    expect(Array.from(t.data)).toEqual(Array.from(pixels));
    expect(t.data.buffer).toBe(bytes.buffer);
    expect(t.data.byteOffset).toBe(16);
    expect(expectImages(t, "f.idx")).toEqual({ count: 2, rows: 2, cols: 3 });
  });

  it("reads a label file", () => {
    const t = parseIdx(labels());
    expect(t.dims).toEqual([3]);
    expect(Array.from(t.data)).toEqual([5, 0, 9]);
    expect(expectLabels(t, "f.idx")).toBe(3);
  });

  it("reads a file that sits at an offset inside a larger buffer", () => {
    const file = labels();
    const outer = new Uint8Array(file.length + 10).fill(0xee);
    outer.set(file, 7);
    const t = parseIdx(outer.subarray(7, 7 + file.length));
    expect(t.dims).toEqual([3]);
    expect(Array.from(t.data)).toEqual([5, 0, 9]);
  });

  it("accepts an empty set (a zero dimension with no data) and 4 dimensions", () => {
    expect(parseIdx(idx([0, 28, 28], new Uint8Array(0)))).toEqual({ dims: [0, 28, 28], data: new Uint8Array(0) });
    expect(parseIdx(idx([1, 2, 1, 2], Uint8Array.of(1, 2, 3, 4))).dims).toEqual([1, 2, 1, 2]);
  });

  it("checks the number of dimensions for images and labels", () => {
    expectDataError(
      () => expectImages(parseIdx(labels()), "f.idx"),
      /expected images \(magic 0x00000803, 3 dimensions\), found 1 dimension/,
    );
    expectDataError(
      () => expectLabels(parseIdx(images()), "f.idx"),
      /expected labels \(magic 0x00000801, 1 dimension\), found 3 dimension/,
    );
  });
});

describe("parseIdx on malformed files: a one-line DataError naming the file", () => {
  const parse = (bytes: Uint8Array) => () => parseIdx(bytes, "f.idx");

  it("wrong magic", () => {
    const bytes = labels();
    bytes[1] = 0x09;
    expectDataError(
      parse(bytes),
      /wrong magic 0x00090801, not an IDX file \(expected 0x00000803 for images, 0x00000801 for labels\)/,
    );
    expectDataError(parse(new TextEncoder().encode("PK\x03\x04 zip file")), /wrong magic 0x504b0304/);
  });

  it("a data type other than unsigned byte", () => {
    expectDataError(
      parse(idx([3], new Uint8Array(12), 0x0d)),
      /magic 0x00000d01 declares IDX data type 0x0d; only unsigned byte \(0x08\) is supported/,
    );
  });

  it("zero or more than four dimensions", () => {
    expectDataError(parse(Uint8Array.of(0, 0, 8, 0)), /declares 0 dimensions, expected 1 to 4/);
    expectDataError(parse(idx([1, 1, 1, 1, 1], Uint8Array.of(7))), /declares 5 dimensions, expected 1 to 4/);
  });

  it("a truncated header", () => {
    expectDataError(parse(Uint8Array.of(0, 0, 8)), /truncated: 3 bytes, too short for an IDX header/);
    expectDataError(parse(new Uint8Array(0)), /truncated: 0 bytes/);
    expectDataError(parse(images().subarray(0, 10)), /truncated: the header needs 16 bytes, found 10/);
  });

  it("truncated data", () => {
    expectDataError(
      parse(images().subarray(0, 16 + 11)),
      /truncated: expected 12 data bytes for dimensions 2×2×3, found 11/,
    );
  });

  it("trailing bytes", () => {
    const file = labels();
    const longer = new Uint8Array(file.length + 2);
    longer.set(file);
    expectDataError(parse(longer), /2 unexpected bytes after the 3 data/);
  });

  it("absurd dimensions: an exact error, with no allocation or hang", () => {
    const max = 0xffffffff;
    expectDataError(
      parse(idx([max, max, max, max], new Uint8Array(5))),
      new RegExp(`truncated: expected ${(2n ** 32n - 1n) ** 4n} data bytes .* found 5`),
    );
    expectDataError(
      parse(idx([max], new Uint8Array(0))),
      /truncated: expected 4294967295 data bytes for dimensions 4294967295, found 0/,
    );
  });

  it("names the file 'IDX file' when no name is given", () => {
    expectDataError(() => parseIdx(Uint8Array.of(1)), /truncated/, "IDX file");
  });
});

describe("parseIdx fuzzing: a valid tensor or a DataError, nothing else", () => {
  /** Parses bytes and checks the outcome; returns the tensor, or null for a DataError. */
  function outcome(bytes: Uint8Array): IdxTensor | null {
    let t: IdxTensor;
    try {
      t = parseIdx(bytes, "fuzz");
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as Error).message).toMatch(/^fuzz: [^\n]+$/);
      return null;
    }
    const header = 4 + 4 * t.dims.length;
    expect(t.dims.length).toBeGreaterThanOrEqual(1);
    expect(t.dims.length).toBeLessThanOrEqual(4);
    expect(t.data.length).toBe(t.dims.reduce((a, b) => a * b, 1));
    expect(header + t.data.length).toBe(bytes.length);
    expect(t.data.buffer).toBe(bytes.buffer);
    expect(t.data.byteOffset).toBe(bytes.byteOffset + header);
    return t;
  }

  // A valid file of 1 to 4 small dimensions with random contents.
  const validFile = fc
    .array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 })
    .chain((dims) =>
      fc
        .uint8Array({ minLength: dims.reduce((a, b) => a * b, 1), maxLength: dims.reduce((a, b) => a * b, 1) })
        .map((data) => ({ dims, data })),
    );
  const runs = { numRuns: 300 };

  it("valid files parse back to their dims and data", { timeout: 10_000 }, () => {
    fc.assert(
      fc.property(validFile, ({ dims, data }) => {
        const t = outcome(idx(dims, data));
        expect(t).toEqual({ dims, data });
      }),
      runs,
    );
  });

  it("truncations of a valid file always fail", { timeout: 10_000 }, () => {
    fc.assert(
      fc.property(validFile, fc.nat(), ({ dims, data }, cut) => {
        const file = idx(dims, data);
        expect(outcome(file.subarray(0, cut % file.length))).toBeNull();
      }),
      runs,
    );
  });

  it("bit flips of a valid file", { timeout: 10_000 }, () => {
    fc.assert(
      fc.property(
        validFile,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
        ({ dims, data }, flips) => {
          const file = idx(dims, data);
          for (const [at, bit] of flips) file[at % file.length] ^= 1 << bit;
          outcome(file);
        },
      ),
      runs,
    );
  });

  it("absurd dimensions up to 0xFFFFFFFF", { timeout: 10_000 }, () => {
    const dim = fc.oneof(
      fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff),
      fc.integer({ min: 0, max: 0xffffffff }),
    );
    fc.assert(
      fc.property(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 64 }), (dims, data) => {
        const t = outcome(idx(dims, data));
        if (t) expect(t.dims).toEqual(dims);
      }),
      runs,
    );
  });

  it("trailing bytes after a valid file always fail", { timeout: 10_000 }, () => {
    fc.assert(
      fc.property(validFile, fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ dims, data }, extra) => {
        const file = idx(dims, data);
        const longer = new Uint8Array(file.length + extra.length);
        longer.set(file);
        longer.set(extra, file.length);
        expect(outcome(longer)).toBeNull();
      }),
      runs,
    );
  });

  it("random bytes", { timeout: 10_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void outcome(bytes)),
      runs,
    );
  });
});
