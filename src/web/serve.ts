// A tiny static server for the lab page (dist/site/): `npm run serve [-- --port N] [-- DIR]`.
// Localhost only. It sends the cross-origin isolation headers (COOP/COEP) that SharedArrayBuffer
// and wasm threads will need, serves .wasm as application/wasm (for compileStreaming) and the
// MNIST .gz files as application/gzip without Content-Encoding (the page decompresses them).
// Hand-written rather than sirv because sirv's send() pipes each file with a bare pipe(), which
// keeps a file open for good whenever a client aborts a download.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { printable, show } from "../errors.js";
import { parseArgs } from "node:util";
import { pipeline } from "node:stream";

export const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export const SECURITY_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
} as const;

export const DEFAULT_ROOT = fileURLToPath(new URL("../site/", import.meta.url)); // dist/web/ → dist/site/

export interface StaticServer {
  server: Server;
  /** http://localhost:PORT/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", ...extra });
  res.end(`${text}\n`);
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD")
    return send(res, 405, "method not allowed", { Allow: "GET, HEAD" });
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    return send(res, 400, "bad request");
  }
  if (path.includes("\0")) return send(res, 400, "bad request");
  let file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return send(res, 403, "forbidden");
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, "index.html");
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return send(res, 404, `not found: ${path}`);

  const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
  const since = req.headers["if-modified-since"];
  const headers = {
    ...SECURITY_HEADERS,
    "Content-Type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "Last-Modified": lastModified.toUTCString(),
    // The data never changes; everything else is revalidated so a rebuild shows at once.
    "Cache-Control": file.endsWith(".gz") ? "public, max-age=86400" : "no-cache",
  };
  if (since && !Number.isNaN(Date.parse(since)) && lastModified.getTime() <= Date.parse(since)) {
    res.writeHead(304, headers);
    return void res.end();
  }
  res.writeHead(200, { ...headers, "Content-Length": String(info.size) });
  if (req.method === "HEAD") return void res.end();
  // pipeline, not pipe: when the client goes away mid-download it destroys the file stream too,
  // which closes its descriptor (a bare pipe leaves it open for good).
  pipeline(createReadStream(file), res, () => {});
}

/** Serves `root` on localhost; port 0 picks a free one. */
export function serveStatic(options: { root?: string; port?: number; host?: string } = {}): Promise<StaticServer> {
  const root = resolve(options.root ?? DEFAULT_ROOT);
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    handle(root, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "internal error");
      else res.destroy();
    });
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", fail);
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      ok({
        server,
        port,
        url: `http://localhost:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

const parseServeArgs = (args: string[]) =>
  parseArgs({
    args,
    options: { port: { type: "string", short: "p" }, host: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });

/** A bad command line: one line on stderr and exit code 2, as the CLI does. */
function usageError(message: string): never {
  console.error(`dying-relu serve: ${message} (see npm run serve -- --help)`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseServeArgs>;
  try {
    parsed = parseServeArgs(process.argv.slice(2));
  } catch (e) {
    const first = String((e as Error).message)
      .split("\n")[0]
      .replace(/\.$/, "");
    usageError(/ambiguous/.test(first) ? `${first}; give a value that starts with "-" as --port=VALUE` : first);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(
      "Usage: npm run serve [-- --port N] [-- DIR]\nServes the dying-ReLU lab (dist/site/, or DIR) on localhost (default port 8080, or PORT).",
    );
    return;
  }
  const root = resolve(positionals[0] ?? DEFAULT_ROOT);
  if (!(await stat(join(root, "index.html")).catch(() => null))) {
    usageError(
      `${printable(join(root, "index.html"))} is missing: run "npm run build" first, or give the folder of a built lab`,
    );
  }
  const portText = (values.port ?? process.env.PORT ?? "8080").trim();
  const wanted = Number(portText);
  if (!/^\d+$/.test(portText) || wanted > 65535) {
    usageError(`--port must be a whole number from 0 to 65535, got ${show(values.port ?? process.env.PORT)}`);
  }
  if (positionals.length > 1) usageError(`serve takes one folder, got ${positionals.length}`);
  // Take the next free port when the wanted one is busy (unless it was asked for explicitly).
  for (let port = wanted, tries = 0; ; port++, tries++) {
    try {
      const s = await serveStatic({ root, port, host: values.host });
      console.log(`dying-relu lab: ${s.url}  (serving ${root}; Ctrl+C to stop)`);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EADDRINUSE" || values.port !== undefined || tries >= 20) {
        console.error(`cannot listen on port ${port}: ${(e as Error).message}`);
        process.exit(1);
      }
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(`dying-relu serve: ${printable(String((e as Error)?.message ?? e))}`);
    process.exit(1);
  });
}
