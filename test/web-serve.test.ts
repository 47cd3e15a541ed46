// The lab's static server: content types, cross-origin isolation headers, caching, and no way out
// of its folder.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
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

describe("serveStatic", () => {
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
