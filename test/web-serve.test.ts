// The lab's static server: content types, cross-origin isolation headers, caching, and no way out
// of its folder.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { request, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { serveStatic, type StaticServer } from "../src/web/serve.js";

let dir: string;
let server: StaticServer;
const gz = gzipSync(Buffer.from("hello"));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dying-relu-serve-"));
  const site = join(dir, "site");
  mkdirSync(join(site, "data"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>lab</title>");
  writeFileSync(join(site, "lab.js"), "export {};");
  writeFileSync(join(site, "engine.wasm"), Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0));
  writeFileSync(join(site, "data", "train-labels-idx1-ubyte.gz"), gz);
  writeFileSync(join(dir, "secret.txt"), "outside the site");
  writeFileSync(join(site, "data", "big.bin"), Buffer.alloc(32 * 2 ** 20)); // more than any socket buffers
  server = await serveStatic({ root: site });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, so that paths like /../x reach the server unnormalised. */
function get(path: string, method = "GET", headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (ok, fail) => {
      const req = request({ host: "127.0.0.1", port: server.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => ok({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", fail);
      req.end();
    },
  );
}

/** The server's open file descriptors that point at `name` (Linux: /proc/self/fd). */
function openFiles(name: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).endsWith(name);
    } catch {
      return false; // closed while we looked
    }
  }).length;
}

/** Starts a download of `path` and cuts the connection as soon as the headers arrive. */
function abortedDownload(path: string): Promise<void> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port: server.port, path }, (res) => {
      res.socket.destroy();
      done();
    });
    req.on("error", fail);
    req.end();
  });
}

describe("serveStatic", () => {
  it("closes the file of every download the client aborts", async () => {
    let closed = 0;
    const onRequest = (_: unknown, res: ServerResponse) => res.on("close", () => closed++);
    server.server.on("request", onRequest);
    const n = 100;
    for (let i = 0; i < n; i++) await abortedDownload("/data/big.bin");
    // Wait (in event-loop turns, not time) until the server has seen every connection close and
    // the file streams have had their chance to close.
    for (let turn = 0; turn < 10_000 && (closed < n || openFiles("big.bin") > 0); turn++) {
      await new Promise((r) => setImmediate(r));
    }
    server.server.off("request", onRequest);
    expect(closed).toBe(n);
    expect(openFiles("big.bin")).toBe(0);
  });

  it("listens on localhost and gives its URL", () => {
    expect(server.url).toBe(`http://localhost:${server.port}/`);
  });

  it.each([
    ["/", "text/html; charset=utf-8"],
    ["/lab.js", "text/javascript; charset=utf-8"],
    ["/engine.wasm", "application/wasm"],
    ["/data/train-labels-idx1-ubyte.gz", "application/gzip"],
  ])("serves %s as %s with COOP/COEP", async (path, type) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(type);
    expect(res.headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(res.headers["cross-origin-embedder-policy"]).toBe("require-corp");
  });

  it("sends .gz bytes as they are, without Content-Encoding, with a length", async () => {
    const res = await get("/data/train-labels-idx1-ubyte.gz");
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.headers["content-length"]).toBe(String(gz.length));
    expect(res.body.equals(gz)).toBe(true);
  });

  it("answers HEAD without a body and If-Modified-Since with 304", async () => {
    const head = await get("/lab.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const again = await get("/lab.js", "GET", { "If-Modified-Since": String(head.headers["last-modified"]) });
    expect(again.status).toBe(304);
  });

  it("refuses to leave its folder, other methods and missing files", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/data/..%2f..%2fsecret.txt"]) {
      const res = await get(path);
      expect([403, 404]).toContain(res.status);
      expect(res.body.toString()).not.toContain("outside the site");
    }
    expect((await get("/nope.js")).status).toBe(404);
    expect((await get("/", "POST")).status).toBe(405);
  });
});

describe("npm run serve's command line", () => {
  const SERVE = new URL("../dist/web/serve.js", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    try {
      await promisify(execFile)(process.execPath, [SERVE, ...args], { timeout: 60_000 });
      return { code: 0, stderr: "" };
    } catch (e) {
      const err = e as { code: number; stderr: string };
      return { code: err.code, stderr: err.stderr };
    }
  };

  it.each([
    [["--port", "-1"], /--port' argument is ambiguous; give a value that starts with "-" as --port=VALUE/],
    [["--port=-1"], /--port must be a whole number from 0 to 65535, got "-1"/],
    [["--port", "65536"], /--port must be a whole number from 0 to 65535, got "65536"/],
    [["--port", "8o8o"], /--port must be a whole number from 0 to 65535, got "8o8o"/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["/nonexistent-lab-folder"], /nonexistent-lab-folder\/index\.html is missing/],
  ])("%j: one line, exit code 2, no stack trace", async (args, message) => {
    const { code, stderr } = await run(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });
});
