// What the browser tests share: Debian's Chromium launched through playwright-core, and
// axe-core's serious and critical findings on the page in view.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// Read when first needed, so a script whose npm packages are missing can say so itself first.
let axeSource;

/** Starts the system's Chromium (CHROMIUM, default /usr/bin/chromium); nothing is downloaded. */
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // Chromium's sandbox refuses to start as root, and CI runs as root; the pages are
    // curation's own on loopback, so running them unsandboxed there is acceptable.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
}

/** axe-core's violations of serious or critical impact on `page`, one line each. */
export async function seriousAxeViolations(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  if (!(await page.evaluate(() => "axe" in window))) {
    axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
    await page.evaluate(axeSource);
  }
  return page.evaluate(async () => {
    const { violations } = await window.axe.run(document);
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(" ")}`);
  });
}
