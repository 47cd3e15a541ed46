// The built lab site (dist/site/) served from this process and opened in a headless Chromium, for
// the end-to-end tests of both lab modes: pages that record their and their workers' errors.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { serveStatic } from "../../src/web/serve.js";
import { chromiumPath as executablePath } from "./chromium.js";

const SITE = join(import.meta.dirname, "..", "..", "dist", "site");
export const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");

export interface Lab {
  /**
   * A new page at `query` (relative to the site) that records console errors and uncaught
   * exceptions (the page's and its workers'); `notIsolated` strips the cross-origin isolation
   * headers npm run serve sends.
   */
  open(query: string, notIsolated?: boolean): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchLab(): Promise<Lab> {
  if (!existsSync(join(SITE, "index.html"))) throw new Error('dist/site/ is missing: run "npm run build" first');
  const server = await serveStatic({ root: SITE });
  const profile = mkdtempSync(join(tmpdir(), "dying-relu-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    async open(query, notIsolated = false) {
      const page = await context.newPage();
      if (notIsolated) {
        await page.route("**/*", async (route) => {
          const response = await route.fetch();
          const headers = { ...response.headers() };
          delete headers["cross-origin-opener-policy"];
          delete headers["cross-origin-embedder-policy"];
          await route.fulfill({ response, headers });
        });
      }
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("worker", (w) =>
        w.on("console", (m) => {
          if (m.type() === "error") problems.push(`worker console: ${m.text()}`);
        }),
      );
      await page.goto(new URL(query, server.url).href);
      return { page, problems };
    },
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
