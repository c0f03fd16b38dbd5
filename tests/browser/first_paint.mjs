// The queue's first useful paint in Debian's Chromium, for connect_bench (tests/bench): signs in
// once with TOKEN, then loads URL afresh LOADS times (the session cookie kept, the page and its
// bundle fetched again: curationd answers no-store) and times each load from the navigation's
// start to the first frame painted with a queue row in it. Prints one JSON line:
// {"loads_ms":[...]}. Exit code 0 when every load showed rows.
//
// Usage: node tests/browser/first_paint.mjs --url URL --token TOKEN [--loads 15]
import { parseArgs } from "node:util";
import { launchChromium } from "./browser.mjs";

const { chromium } = await import("playwright-core");
const { values: options } = parseArgs({
  options: { url: { type: "string" }, token: { type: "string" }, loads: { type: "string", default: "15" } },
});
if (!options.url || !options.token) {
  console.error("usage: node tests/browser/first_paint.mjs --url URL --token TOKEN [--loads 15]");
  process.exit(2);
}

// Runs before the page's own script (through the DevTools protocol, which the page's CSP does
// not govern): notes the time of the first frame after a row's button enters the document.
const watchForFirstRow = () => {
  const observer = new MutationObserver(() => {
    if (document.querySelector("table.queue button.open-item") === null) {
      return;
    }
    observer.disconnect();
    requestAnimationFrame(() => {
      window.__firstRowPaintMs = performance.now();
    });
  });
  observer.observe(document, { childList: true, subtree: true });
};

const browser = await launchChromium(chromium);
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(options.url);
  await page.getByLabel("Access token").fill(options.token);
  await page.getByLabel("Access token").press("Enter");
  await page.locator("table.queue button.open-item").first().waitFor();
  await page.addInitScript(watchForFirstRow);
  const loads = [];
  for (let load = 0; load < Number(options.loads); ++load) {
    await page.goto(options.url);
    await page.waitForFunction(() => window.__firstRowPaintMs !== undefined);
    loads.push(await page.evaluate(() => window.__firstRowPaintMs));
    if (process.env.FIRST_PAINT_TRACE) {
      console.error(JSON.stringify(await page.evaluate(() => [
        window.__firstRowPaintMs,
        performance.getEntriesByType("navigation").map((e) => [e.responseEnd, e.domContentLoadedEventEnd]),
        performance.getEntriesByType("resource").map((e) => [e.name.slice(-40), Math.round(e.startTime), Math.round(e.responseEnd)]),
      ])));
    }
  }
  console.log(JSON.stringify({ loads_ms: loads }));
} finally {
  await browser.close();
}
