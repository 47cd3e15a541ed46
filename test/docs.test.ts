// The documentation: the README stays short, docs/cli.md holds the CLI's own --help, and every
// relative link in README and docs/ points at a file (and, with #anchor, a heading) that exists.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const PAGES = ["README.md", "CHANGELOG.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)].filter((p) =>
  p.endsWith(".md"),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

describe("documentation", () => {
  it("docs/cli.md holds each command's --help as the built CLI prints it", () => {
    const script = join(ROOT, "scripts", "cli-doc.mjs");
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
    expect(readFileSync(join(ROOT, "docs", "cli.md"), "utf8")).toContain("  --weight-decay F");
  });

  it("README is at most 150 lines", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length).toBeLessThanOrEqual(150);
  });

  it.each(PAGES)("every relative link in %s resolves", (page) => {
    const text = readFileSync(join(ROOT, page), "utf8").replace(/```[\s\S]*?```/g, "");
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    if (page === "README.md") expect(links.length).toBeGreaterThan(10); // the link pattern does match
    for (const link of links) {
      const [file, hash] = link.split("#");
      const target = file ? join(dirname(join(ROOT, page)), file) : join(ROOT, page);
      expect(existsSync(target), `${page} → ${link}`).toBe(true);
      if (hash) {
        const headings = readFileSync(target, "utf8")
          .split("\n")
          .filter((l) => l.startsWith("#"))
          .map((l) => anchor(l.replace(/^#+/, "")));
        expect(headings, `${page} → ${link}`).toContain(hash);
      }
    }
  });
});
