// The browser bundle (npm run build:browser): its budgets, no Node built-ins, how a bundler user
// gets it through package.json "exports", tree-shaking, and that it trains when loaded over HTTP.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { serveStatic, type StaticServer } from "../src/web/serve.js";
import { needs } from "./support/needs.js";

const root = join(import.meta.dirname, "..");
const dir = join(root, "dist", "browser");
const bundle = join(dir, "dying-relu.js");

describe.runIf(needs("the browser bundle", existsSync(bundle), "run npm run build"))(
  "dist/browser/dying-relu.js",
  () => {
    let project: string;
    beforeAll(() => {
      // A blank project that depends on this package (as `npm install ../dying-relu` would link it).
      project = mkdtempSync(join(tmpdir(), "dying-relu-blank-"));
      mkdirSync(join(project, "node_modules"));
      symlinkSync(root, join(project, "node_modules", "dying-relu"), "dir");
    });
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    async function bundleEntry(source: string, platform: "browser" | "node") {
      writeFileSync(join(project, "entry.js"), source);
      const result = await build({
        absWorkingDir: project,
        entryPoints: ["entry.js"],
        bundle: true,
        format: "esm",
        platform,
        minify: true,
        write: false,
        metafile: true,
        logLevel: "silent",
        outfile: "out.js",
      });
      return { text: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs) };
    }

    it("stays within budget: JS ≤ 60 KB minified, each .wasm ≤ 64 KB", () => {
      expect(statSync(bundle).size).toBeLessThanOrEqual(60 * 1024);
      for (const wasm of ["dying-relu.simd.wasm", "dying-relu.relaxed.wasm"]) {
        expect(statSync(join(dir, wasm)).size).toBeLessThanOrEqual(64 * 1024);
      }
    });

    it("references no Node built-in and looks for its .wasm files beside itself", () => {
      const text = readFileSync(bundle, "utf8");
      expect(text).not.toMatch(/node:/);
      expect(text).not.toMatch(/\brequire\(/);
      expect(text).toContain('new URL("./dying-relu.relaxed.wasm",import.meta.url)');
      expect(text).toContain('new URL("./dying-relu.simd.wasm",import.meta.url)');
    });

    it('is what a browser bundler gets for `import … from "dying-relu"`; Node gets dist/index.js', async () => {
      const browser = await bundleEntry(
        'import { createEngine, fetchMnist, runStudy } from "dying-relu";\nconsole.log(createEngine, fetchMnist, runStudy);\n',
        "browser",
      );
      expect(browser.inputs.some((f) => f.endsWith("dist/browser/dying-relu.js"))).toBe(true);
      expect(browser.text).not.toMatch(/node:/);
      const node = await bundleEntry(
        'import { createEngine } from "dying-relu";\nconsole.log(createEngine);\n',
        "node",
      );
      expect(node.inputs.some((f) => f.endsWith("dist/index.js"))).toBe(true);
    });

    it("tree-shakes: importing only the IDX parser leaves the engine out", async () => {
      const { text } = await bundleEntry('import { parseIdx } from "dying-relu";\nconsole.log(parseIdx);\n', "browser");
      expect(text.length).toBeLessThan(4 * 1024);
      expect(text).not.toContain("dying-relu.simd.wasm");
    });

    describe("loaded over HTTP", () => {
      let server: StaticServer;
      beforeAll(async () => {
        server = await serveStatic({ root: dir });
      });
      afterAll(() => server?.close());

      it("creates an engine from the served .wasm (compileStreaming) and trains", async () => {
        const lib = await import(pathToFileURL(bundle).href);
        const engine = await lib.createEngine({ backend: "wasm-simd", wasmBase: server.url, threads: 2 });
        expect(engine.backend).toBe("wasm-simd");
        // Not a cross-origin isolated page: one thread though two were asked for, and the engine says why.
        expect(engine.threads).toBe(1);
        expect(engine.threadsNote).toMatch(
          /^the page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy: same-origin/,
        );
        const model = engine.sequential({
          inputSize: 4,
          layers: [
            { units: 8, activation: "relu" },
            { units: 2, activation: "softmax" },
          ],
          seed: 1,
        });
        model.compile({ optimizer: "adam", learningRate: 0.05 });
        const x = Float32Array.from({ length: 64 * 4 }, (_, i) => ((i * 7919) % 13) / 13);
        const y = Uint8Array.from({ length: 64 }, (_, i) => (x[i * 4] > 0.5 ? 1 : 0));
        const { history } = await model.fit(x, y, { epochs: 20, batchSize: 16 });
        expect(history.loss.at(-1)).toBeLessThan(history.loss[0]);
        expect(model.deadMask(x)).toHaveLength(1);
        await expect(lib.createEngine({ wasmBase: new URL("missing/", server.url) })).rejects.toThrow(/HTTP 404/);
      });
    });

    it('leaves the plain-TypeScript twin in a chunk beside it, loaded when backend "js" is asked for', async () => {
      const chunks = readdirSync(dir).filter((f) => /^dying-relu\.js-\w+\.js$/.test(f));
      expect(chunks).toHaveLength(1);
      const text = readFileSync(bundle, "utf8");
      expect(text).toContain(`import("./${chunks[0]}")`);
      expect(text).not.toContain("js engine: no model at");
      expect(readFileSync(join(dir, chunks[0]), "utf8")).toContain("js engine: no model at");
      const lib = await import(pathToFileURL(bundle).href);
      const engine = await lib.createEngine({ backend: "js" });
      expect(engine.backend).toBe("js");
      const model = engine.sequential({
        inputSize: 4,
        layers: [
          { units: 8, activation: "relu" },
          { units: 2, activation: "softmax" },
        ],
        seed: 1,
      });
      expect(model.predict(new Float32Array(4))).toHaveLength(2);
    });
  },
);
