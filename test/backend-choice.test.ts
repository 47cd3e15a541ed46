// Which build runs on this Node, and why: relaxed SIMD wherever the runtime has it (on Node 20 by
// turning its V8 flag on at run time, never by a command-line flag that newer Node rejects), and
// plain SIMD where the runtime refuses relaxed opcodes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArgumentError, createEngine } from "../src/index.js";
import { chooseBackend, relaxedSimdSupported, type RelaxedRuntime } from "../src/engine/wasm.js";
import { cli } from "./support/cli.js";

const major = Number(process.versions.node.split(".")[0]);
const expectedNote =
  major >= 22
    ? /^relaxed SIMD supported by this runtime$/
    : /^relaxed SIMD turned on at run time, as Node 20 keeps it behind the V8 flag --experimental-wasm-relaxed-simd$/;

afterEach(() => vi.restoreAllMocks());

describe("relaxed SIMD without command-line flags", () => {
  it("this test process was started without --experimental-wasm-relaxed-simd", () => {
    expect(process.execArgv.join(" ")).not.toMatch(/relaxed-simd/);
  });

  it("createEngine() runs the relaxed build and says why", async () => {
    const engine = await createEngine({ threads: 1 });
    expect(engine.backend).toBe("wasm-relaxed");
    expect(engine.backendNote).toMatch(expectedNote);
    const model = engine.sequential({
      inputSize: 4,
      layers: [
        { units: 3, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
    });
    model.compile({ optimizer: "adam", learningRate: 0.01 });
    expect(model.trainOnBatch(new Float32Array(8).fill(0.5), new Int32Array([0, 1])).loss).toBeGreaterThan(0);
  });

  it("a fresh Node process with no flags picks wasm-relaxed in the library and in the threaded engine", async () => {
    const script = `import { createEngine } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      const e = await createEngine({ threads: 2 });
      const m = e.sequential({ inputSize: 4, layers: [{ units: 8, activation: "relu" }, { units: 2, activation: "softmax" }] });
      m.compile({ optimizer: "sgd", learningRate: 0.1 });
      const { loss } = m.trainOnBatch(new Float32Array(64).fill(0.25), new Int32Array(16).fill(1));
      console.log(JSON.stringify({ backend: e.backend, threads: e.threads, note: e.backendNote, finite: Number.isFinite(loss) }));
      e.dispose();`;
    const file = join(mkdtempSync(join(tmpdir(), "dying-relu-flags-")), "probe.mjs");
    writeFileSync(file, script);
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file]);
    expect(stderr).toBe("");
    const got = JSON.parse(stdout);
    expect(got).toMatchObject({ backend: "wasm-relaxed", threads: 2, finite: true });
    expect(got.note).toMatch(expectedNote);
  });

  it("dying-relu sweep prints engine wasm-relaxed and the reason in its header", async () => {
    const { code, stdout, stderr } = await cli(
      "sweep",
      "--lr",
      "0.01",
      "--epochs",
      "1",
      "--layers",
      "8",
      "--probe",
      "10",
      "--validation-split",
      "0.99",
      "--workers",
      "1",
    );
    expect(stderr).not.toMatch(/bad option|unrecognized flag/);
    expect(code).toBe(0);
    const header = stdout.split("\n")[0];
    expect(header).toContain("engine wasm-relaxed (");
    expect(header.slice(header.indexOf("(") + 1, header.indexOf(")"))).toMatch(expectedNote);
  });
});

describe("fallback to plain SIMD where relaxed SIMD does not validate", () => {
  const fake = (opts: { validates: boolean; afterFlag?: boolean; canSetFlags: boolean }) => {
    const set: string[] = [];
    let flagged = false;
    const rt: RelaxedRuntime = {
      validate: () => (flagged ? (opts.afterFlag ?? false) : opts.validates),
      setV8Flag: opts.canSetFlags
        ? (flag) => {
            set.push(flag);
            flagged = true;
          }
        : null,
      flagSet: false,
    };
    return { rt, set };
  };

  it("'auto' runs wasm-simd in a runtime without relaxed SIMD that cannot set V8 flags (a page)", () => {
    const { rt, set } = fake({ validates: false, canSetFlags: false });
    expect(chooseBackend("auto", true, rt)).toEqual({
      backend: "wasm-simd",
      note: "plain SIMD: this runtime has no relaxed SIMD",
    });
    expect(relaxedSimdSupported(true, rt)).toBe(false);
    expect(set).toEqual([]);
  });

  it("'auto' runs wasm-simd where even the V8 flag does not make relaxed SIMD validate", () => {
    const { rt, set } = fake({ validates: false, afterFlag: false, canSetFlags: true });
    expect(chooseBackend("auto", true, rt)).toEqual({
      backend: "wasm-simd",
      note: "plain SIMD: this runtime has no relaxed SIMD",
    });
    expect(set).toEqual(["--experimental-wasm-relaxed-simd"]);
  });

  it("sets the flag once where it makes relaxed SIMD validate (Node 20), and says so after", () => {
    const { rt, set } = fake({ validates: false, afterFlag: true, canSetFlags: true });
    const note =
      "relaxed SIMD turned on at run time, as Node 20 keeps it behind the V8 flag --experimental-wasm-relaxed-simd";
    expect(chooseBackend("auto", true, rt)).toEqual({ backend: "wasm-relaxed", note });
    expect(chooseBackend("wasm-relaxed", true, rt)).toEqual({ backend: "wasm-relaxed", note });
    expect(set).toEqual(["--experimental-wasm-relaxed-simd"]);
  });

  it("never sets a flag where relaxed SIMD validates natively", () => {
    const { rt, set } = fake({ validates: true, canSetFlags: true });
    expect(chooseBackend("auto", true, rt)).toEqual({
      backend: "wasm-relaxed",
      note: "relaxed SIMD supported by this runtime",
    });
    expect(set).toEqual([]);
  });

  it("with setV8Flag: false, 'auto' leaves V8's flags alone and the engine runs and trains on plain SIMD", async () => {
    const { rt, set } = fake({ validates: false, afterFlag: true, canSetFlags: true });
    expect(chooseBackend("auto", false, rt)).toEqual({
      backend: "wasm-simd",
      note: "plain SIMD: relaxed SIMD needs the V8 flag --experimental-wasm-relaxed-simd here, and setV8Flag is false",
    });
    expect(set).toEqual([]);
    vi.spyOn(WebAssembly, "validate").mockReturnValue(false);
    const engine = await createEngine({ threads: 1, setV8Flag: false });
    vi.restoreAllMocks();
    expect(engine.backend).toBe("wasm-simd");
    expect(engine.backendNote).toMatch(/^plain SIMD: /);
    const model = engine.sequential({ inputSize: 2, layers: [{ units: 2, activation: "softmax" }] });
    model.compile({ optimizer: "sgd", learningRate: 0.1 });
    expect(model.trainOnBatch(new Float32Array([1, 0, 0, 1]), new Int32Array([0, 1])).loss).toBeGreaterThan(0);
  });

  it("an explicit 'wasm-relaxed' that cannot run is refused in one line", () => {
    const { rt } = fake({ validates: false, canSetFlags: false });
    const call = () => chooseBackend("wasm-relaxed", true, rt);
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(
      `backend "wasm-relaxed" cannot run here: this runtime has no relaxed SIMD; use "wasm-simd" or "auto"`,
    );
  });

  it("an explicit choice says so; setV8Flag must be a boolean", async () => {
    expect(chooseBackend("wasm-simd")).toEqual({ backend: "wasm-simd", note: "plain SIMD, as asked" });
    expect(chooseBackend("js")).toEqual({ backend: "js", note: "the TypeScript twin, as asked" });
    await expect(createEngine({ setV8Flag: "yes" as unknown as boolean })).rejects.toThrow(
      `setV8Flag must be true or false, got "yes"`,
    );
  });
});
