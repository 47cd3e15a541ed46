// The package as a stranger gets it: `npm pack`'s tarball installed into a blank project. There
// the CLI and the library run under Node, and a Vite app (dev server, and a production build on
// `vite preview`) and an esbuild page (esbuild's own server) open in headless Chromium and train
// on MNIST served by that tool, cross-origin isolated (engine threads) and not (one thread).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { chromiumPath, haveChromium } from "./support/chromium.js";

const root = join(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const ENGINE_FILES = [
  "dying-relu.simd.wasm",
  "dying-relu.relaxed.wasm",
  "dying-relu.simd-threads.wasm",
  "dying-relu.relaxed-threads.wasm",
  "dying-relu.thread.js",
];
const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
// The npm that runs the tests (node_modules/.bin may hold an older one, a dependency's dependency).
const npm = (args: string[], cwd: string) =>
  process.env.npm_execpath
    ? execFileSync(process.execPath, [process.env.npm_execpath, ...args], {
        cwd,
        encoding: "utf8",
        stdio: "pipe",
        maxBuffer: 1 << 26,
      })
    : execFileSync("npm", args, { cwd, encoding: "utf8", stdio: "pipe", maxBuffer: 1 << 26 });

it("npm pack ships each .wasm once and neither the lab's code nor its site", () => {
  const [{ files }] = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"], root));
  const paths: string[] = files.map((f: { path: string }) => f.path);
  expect(paths.filter((p) => p.startsWith("dist/web/") || p.startsWith("dist/site/"))).toEqual([]);
  const wasm = paths.filter((p) => p.endsWith(".wasm"));
  expect(wasm.sort()).toEqual(
    ENGINE_FILES.filter((f) => f.endsWith(".wasm"))
      .map((f) => `dist/browser/${f}`)
      .sort(),
  );
  expect(paths).toContain("dist/browser/dying-relu.thread.js");
  expect(paths).toContain("LICENSE");
});

// The page every consumer builds: the library as its README shows it, on a slice of MNIST.
const PAGE = `import { createEngine, fetchMnist } from "dying-relu";
try {
  const engine = await createEngine();
  const data = await fetchMnist("/mnist/");
  const model = engine.sequential({
    inputSize: 784,
    layers: [{ units: 64, activation: "relu" }, { units: 10, activation: "softmax" }],
    seed: 1,
  });
  model.compile({ optimizer: "adam", learningRate: 0.005 });
  const n = 6000;
  await model.fit(data.train.images.subarray(0, n * 784), data.train.labels.subarray(0, n), { epochs: 2, batchSize: 64 });
  const { accuracy } = model.evaluate(data.test.images.subarray(0, 2000 * 784), data.test.labels.subarray(0, 2000));
  window.result = { accuracy, threads: engine.threads, threadsNote: engine.threadsNote, isolated: crossOriginIsolated };
} catch (e) {
  window.result = { error: String(e?.message ?? e) };
}
`;
const HTML =
  '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="./main.js"></script>\n';

describe("the packed tarball in a blank project", () => {
  let project: string;
  let install: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "dying-relu-consumer-"));
    const [{ filename }] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", project], root));
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: { "dying-relu": `file:./${filename}` },
        devDependencies: { vite: pkg.devDependencies.vite, esbuild: pkg.devDependencies.esbuild },
      }),
    );
    install = npm(["install", "--no-audit", "--no-fund", "--prefer-offline", "--foreground-scripts"], project);
  }, 300_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("installs without running or asking for an install script", () => {
    const installed = JSON.parse(readFileSync(join(project, "node_modules/dying-relu/package.json"), "utf8"));
    for (const hook of ["preinstall", "install", "postinstall", "prepare"])
      expect(installed.scripts?.[hook]).toBeUndefined();
    // npm names each package whose install scripts it holds back: never this one.
    expect(install).not.toMatch(/dying-relu@\S+ \(/);
  });

  it("runs the CLI", () => {
    const bin = join(project, "node_modules/.bin/dying-relu");
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()).toBe(`dying-relu ${pkg.version}`);
    const table = execFileSync(bin, ["sweep", "--lr", "0.01", "--epochs", "1", "--layers", "16", "--quiet"], {
      cwd: project,
      encoding: "utf8",
    });
    expect(table).toMatch(/^learning rate\s+dense_1 dead\s+val_accuracy/m);
    expect(Number(/^0\.01 .*\s(\d+\.\d+)%\s+[\d.]+s$/m.exec(table)?.[1])).toBeGreaterThan(85);
  });

  it("runs the library (and dying-relu/continual), as ESM and through require", () => {
    const esm = `import { createEngine } from "dying-relu";
import { loadMnist } from "dying-relu/node";
const { train, test } = await loadMnist();
const engine = await createEngine({ threads: 1 });
const model = engine.sequential({ inputSize: 784, layers: [{ units: 32, activation: "relu" }, { units: 10, activation: "softmax" }], seed: 3 });
model.compile({ optimizer: "adam", learningRate: 0.005 });
await model.fit(train.images.subarray(0, 6000 * 784), train.labels.subarray(0, 6000), { epochs: 2, batchSize: 64 });
const { runContinual } = await import("dying-relu/continual");
const [run] = await runContinual(engine, { train, test }, { tasks: 1, perTask: 300, layers: [8], probe: 50, methods: ["cbp"] });
if (run.tasks.length !== 1 || run.method !== "cbp") throw new Error("dying-relu/continual did not run");
console.log(JSON.stringify(model.evaluate(test.images, test.labels)));
`;
    writeFileSync(join(project, "library.mjs"), esm);
    const { accuracy } = JSON.parse(
      execFileSync(process.execPath, ["library.mjs"], { cwd: project, encoding: "utf8" }),
    );
    expect(accuracy).toBeGreaterThan(0.85);
    writeFileSync(join(project, "library.cjs"), 'console.log(typeof require("dying-relu").createEngine);\n');
    expect(execFileSync(process.execPath, ["library.cjs"], { cwd: project, encoding: "utf8" }).trim()).toBe("function");
  });

  describe.runIf(haveChromium)("in headless Chromium", () => {
    let context: BrowserContext;
    let profile: string;
    // biome-ignore lint/suspicious/noDuplicateTestHooks: this describe.runIf block's own hooks, not the outer block's
    beforeAll(async () => {
      profile = mkdtempSync(join(tmpdir(), "dying-relu-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
    });
    // biome-ignore lint/suspicious/noDuplicateTestHooks: as above
    afterAll(async () => {
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    /** Opens the page, waits for its result, and checks that it trained on the threads it should. */
    async function trains(url: string, isolated: boolean) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      try {
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, undefined, {
          timeout: 120_000,
        });
        const result = await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result);
        expect(result.error).toBeUndefined();
        expect(errors).toEqual([]);
        expect(result.isolated).toBe(isolated);
        expect(result.accuracy).toBeGreaterThan(0.85);
        if (isolated) expect(result.threads).toBeGreaterThan(1);
        else {
          expect(result.threads).toBe(1);
          expect(result.threadsNote).toMatch(/cross-origin isolated/);
        }
      } finally {
        await page.close();
      }
    }

    /** The tool's own module, from the consumer's node_modules. */
    const vite = async () =>
      import(pathToFileURL(join(project, "node_modules/vite/dist/node/index.js")).href) as Promise<
        typeof import("vite")
      >;

    function viteApp(): string {
      const app = join(project, "vite-app");
      mkdirSync(join(app, "public"), { recursive: true });
      writeFileSync(join(app, "index.html"), HTML);
      writeFileSync(join(app, "main.js"), PAGE);
      // Only the .gz copies: Vite's dev server answers the plain names with its index.html.
      cpSync(join(root, "dist/site/data"), join(app, "public/mnist"), { recursive: true });
      return app;
    }

    // Vite as it comes; the isolated runs send the two headers the embedding guide names.
    const viteConfig = (app: string, isolated: boolean) => ({
      root: app,
      configFile: false as const,
      logLevel: "silent" as const,
      server: { host: "127.0.0.1", port: 0, headers: isolated ? ISOLATION : {} },
      preview: { host: "127.0.0.1", port: 0, headers: isolated ? ISOLATION : {} },
    });

    it.each([true, false])(
      "a Vite app on its dev server (isolated: %s)",
      async (isolated) => {
        const { createServer: viteServer } = await vite();
        const server = await viteServer(viteConfig(viteApp(), isolated));
        await server.listen();
        try {
          await trains(server.resolvedUrls?.local[0] ?? "", isolated);
        } finally {
          await server.close();
        }
      },
      180_000,
    );

    it.each([true, false])(
      "a Vite production build on vite preview (isolated: %s)",
      async (isolated) => {
        const { build, preview } = await vite();
        const app = viteApp();
        await build({ ...viteConfig(app, isolated), build: { outDir: join(app, "dist"), emptyOutDir: true } });
        const server = await preview(viteConfig(app, isolated));
        try {
          await trains(server.resolvedUrls?.local[0] ?? "", isolated);
        } finally {
          // Vite's own close ends the sockets Chromium keeps alive; the bare http server's would wait on them.
          await server.close();
        }
      },
      180_000,
    );

    it.each([true, false])(
      "an esbuild page on esbuild's server (isolated: %s)",
      async (isolated) => {
        const esbuild = (await import(
          pathToFileURL(join(project, "node_modules/esbuild/lib/main.js")).href
        )) as typeof import("esbuild");
        const www = join(project, "esbuild-www");
        mkdirSync(www, { recursive: true });
        writeFileSync(join(project, "main.js"), PAGE);
        writeFileSync(join(www, "index.html"), HTML);
        // The guide's steps: bundle as ESM, copy the five engine files beside the bundle.
        for (const f of ENGINE_FILES)
          copyFileSync(join(project, "node_modules/dying-relu/dist/browser", f), join(www, f));
        cpSync(join(root, "dist/site/data"), join(www, "mnist"), { recursive: true });
        const ctx = await esbuild.context({
          absWorkingDir: project,
          entryPoints: ["main.js"],
          bundle: true,
          format: "esm",
          outdir: www,
          logLevel: "silent",
        });
        await ctx.rebuild();
        const { port } = await ctx.serve({ servedir: www, host: "127.0.0.1" });
        // esbuild's server sends no custom headers: the isolated run puts a proxy in front that adds them.
        const proxy = isolated ? await isolatingProxy(port) : null;
        try {
          await trains(`http://127.0.0.1:${proxy ? (proxy.address() as AddressInfo).port : port}/`, isolated);
        } finally {
          if (proxy) {
            proxy.closeAllConnections();
            await new Promise((done) => proxy.close(done));
          }
          await ctx.dispose();
        }
      },
      180_000,
    );
  });
});

function isolatingProxy(target: number): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = request(
      { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, ...ISOLATION });
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((ready) => server.listen(0, "127.0.0.1", () => ready(server)));
}
