// Where the browser tests find Chromium (Debian's package, or CHROMIUM_PATH), and whether they
// run: without it they are skipped, except under CI, which installs it (see needs.ts).
import { existsSync } from "node:fs";
import { needs } from "./needs.js";

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

export const chromiumPath = CANDIDATES.find((p): p is string => !!p && existsSync(p));

export const haveChromium = needs(
  "Chromium",
  chromiumPath !== undefined,
  `looked for ${CANDIDATES.filter(Boolean).join(", ")}; install it with "apt-get install -y chromium" or set CHROMIUM_PATH`,
);
