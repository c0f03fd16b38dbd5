// Smoke test of the built curator console in Debian's Chromium (no browser is downloaded):
// serves DIST from fake_curationd.mjs, signs in, reads the queue, claims, and checks that
// hostile on-chain text stays inert text, that the token never reaches storage or the URL, that
// nothing breaks the Content Security Policy, and that axe finds no serious accessibility fault.
// A screenshot of each screen goes to OUT.
//
// Usage: node tests/browser/smoke.mjs --dist DIST --out OUT
//   after `npm ci --prefix tests/browser --ignore-scripts` (playwright-core alone never downloads
//   a browser) and `services/console/web/build.sh DIST`.
// Environment: CHROMIUM, the browser to run (default /usr/bin/chromium).
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { hostileTitle, startFakeCurationd } from "./fake_curationd.mjs";

const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  console.error("smoke.mjs: playwright-core is missing; run: npm ci --prefix tests/browser --ignore-scripts");
  process.exit(2);
}

const { values: options } = parseArgs({
  options: { dist: { type: "string" }, out: { type: "string" } },
});
if (!options.dist || !options.out) {
  console.error("usage: node tests/browser/smoke.mjs --dist DIST --out OUT");
  process.exit(2);
}
const distDir = resolve(options.dist);
const outDir = resolve(options.out);
await mkdir(outDir, { recursive: true });

const token = randomBytes(24).toString("hex");
const fake = await startFakeCurationd({ distDir, token });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // Chromium's sandbox refuses to start as root, and CI runs as root; the page is our own
  // build talking to a fake on loopback, so running it unsandboxed there is acceptable.
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(10_000);

// Everything the page says or does that a check below looks at.
const dialogs = [];
const consoleMessages = [];
const pageErrors = [];
const foreignRequests = [];
page.on("dialog", (dialog) => {
  dialogs.push(dialog.message());
  void dialog.dismiss();
});
page.on("console", (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
page.on("pageerror", (error) => pageErrors.push(String(error)));
page.on("request", (request) => {
  if (new URL(request.url()).origin !== fake.origin) {
    foreignRequests.push(request.url());
  }
});
// Fake timers, so the 15 s refresh can be tested without waiting 15 s.
await page.clock.install();

const results = [];
async function step(name, body) {
  if (results.some((result) => result.outcome === "failed")) {
    results.push({ name, outcome: "skipped" });
    return;
  }
  try {
    await body();
    results.push({ name, outcome: "passed" });
    console.log(`ok - ${name}`);
  } catch (error) {
    results.push({ name, outcome: "failed" });
    console.log(`not ok - ${name}\n  ${String(error?.stack ?? error).replaceAll("\n", "\n  ")}`);
  }
}

/**
 * Polls `condition` from Node until it holds, for at most 10 s. Polling inside the page would
 * run on the page's timers, which page.clock controls.
 */
async function waitUntil(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

function expect(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

const screenshot = (name) => page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

/** Fails on axe violations of serious or critical impact on the current screen. */
async function expectAccessible() {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  if (!(await page.evaluate(() => "axe" in window))) {
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document);
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(" ")}`);
  });
  expect(violations.length === 0, `axe: ${violations.join("; ")}`);
}

const tokenField = page.getByLabel("Access token");
const signInButton = page.getByRole("button", { name: "Sign in" });
const alert = page.getByRole("alert");
const bodyRows = page.locator("table.queue tbody tr");
const callsOf = (method) => fake.calls.filter((call) => call.method === method);

await step("the sign-in screen asks for the token in a password field", async () => {
  await page.goto(`${fake.origin}/`);
  await tokenField.waitFor();
  expect((await tokenField.getAttribute("type")) === "password", "the token field is not a password field");
  expect(await tokenField.evaluate((field) => field === document.activeElement), "the token field has no focus");
  await screenshot("01-sign-in");
});

await step("axe finds nothing serious or critical on the sign-in screen", expectAccessible);

await step("a wrong token is refused with the server's message", async () => {
  await tokenField.fill("not-the-token");
  await signInButton.click();
  await alert.filter({ hasText: "Unauthenticated: the token is not valid" }).waitFor();
  await screenshot("02-sign-in-refused");
});

await step("signing in with the keyboard shows the queue, earliest due first", async () => {
  await tokenField.fill(token);
  await tokenField.press("Enter");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await bodyRows.nth(5).waitFor();
  expect((await bodyRows.count()) === 6, `expected 6 rows, saw ${await bodyRows.count()}`);
  const firstRow = await bodyRows.nth(0).innerText();
  expect(firstRow.includes("Unplayable upload"), `the breached item is not first: ${firstRow}`);
  expect(firstRow.includes("Breached") && firstRow.includes("overdue"), `no breach shown: ${firstRow}`);
  expect(firstRow.includes("Unplayable"), `no verdict badge: ${firstRow}`);
  const counts = await page.locator("dl.counts").innerText();
  for (const expected of ["Open\n5", "Claimed\n1", "Escalated\n0", "At risk\n2", "Breached\n1"]) {
    expect(counts.includes(expected), `counts lack "${expected}": ${JSON.stringify(counts)}`);
  }
  expect(callsOf("ListItems").every((call) => call.body.pageSize === 100), "ListItems without pageSize 100");
  await screenshot("03-queue");
});

await step("hostile titles stay inert text, without their bidi override", async () => {
  const hostileCell = page.locator("td.title", { hasText: "<img src=x onerror=alert(1)>" });
  const shown = await hostileCell.innerText();
  expect(shown === hostileTitle.replace("\u202E", "\uFFFD"), `hostile title shown as ${JSON.stringify(shown)}`);
  expect((await page.locator("img").count()) === 0, "an img element was created");
  expect(dialogs.length === 0, `a dialog opened: ${dialogs.join(", ")}`);
  const pageText = await page.locator("body").innerText();
  expect(!pageText.includes("\u202E"), "a U+202E override reached the page");
  const longTitle = await page.locator("td.title", { hasText: "AAAA" }).innerText();
  expect(Array.from(longTitle).length === 121 && longTitle.endsWith("\u2026"), `long title not clipped: ${longTitle.length}`);
});

await step("axe finds nothing serious or critical on the queue", expectAccessible);

await step("the token is in no storage, URL, cookie, DOM or console message", async () => {
  const stored = await page.evaluate(() =>
    JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, location.href]),
  );
  expect(!stored.includes(token), "the token is in storage, a cookie or the URL");
  expect(!page.url().includes(token), "the token is in the URL");
  expect(!(await page.content()).includes(token), "the token is in the DOM");
  expect(!consoleMessages.some((message) => message.includes(token)), "the token was logged");
});

await step("the key c claims the next 5 and the table shows them claimed", async () => {
  await page.keyboard.press("c");
  await page.getByRole("status").filter({ hasText: "Claimed 5 items." }).waitFor();
  const claims = callsOf("ClaimItems");
  expect(claims.length === 1 && claims[0].body.count === 5, `ClaimItems calls: ${JSON.stringify(claims)}`);
  const counts = page.locator("dl.counts");
  await waitUntil(async () => (await counts.innerText()).includes("Open\n0"), "no item is open");
  const claimedRows = await bodyRows.filter({ hasText: "Claimed by curator-7" }).count();
  expect(claimedRows === 5, `${claimedRows} rows claimed by curator-7`);
  await screenshot("04-claimed");
});

await step("a refused claim shows the Connect error's message", async () => {
  fake.failNext("ClaimItems", {
    status: 403,
    code: "permission_denied",
    message: "curator-7 may not claim: the role is viewer",
  });
  await page.getByLabel("Items to claim").fill("2");
  await page.getByRole("button", { name: /^Claim next 2/ }).click();
  await alert.filter({ hasText: "Permission denied: curator-7 may not claim: the role is viewer" }).waitFor();
  expect(callsOf("ClaimItems").at(-1).body.count === 2, "the claim did not ask for 2");
  await screenshot("05-claim-refused");
});

await step("the queue refreshes by itself every 15 s", async () => {
  const listCallsBefore = callsOf("ListItems").length;
  await page.clock.fastForward("00:16");
  await waitUntil(() => callsOf("ListItems").length > listCallsBefore, "ListItems is called again");
});

await step("a token refused mid-session returns to sign-in with the reason", async () => {
  fake.failNext("ListItems", { status: 401, code: "unauthenticated", message: "the token was revoked" });
  await page.clock.fastForward("00:16");
  await alert.filter({ hasText: "Unauthenticated: the token was revoked" }).waitFor();
  await tokenField.waitFor();
  await screenshot("06-session-ended");
});

await step("signing in again, then out, forgets the token", async () => {
  await tokenField.fill(token);
  await signInButton.click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await tokenField.waitFor();
  expect((await tokenField.inputValue()) === "", "the token field is not empty");
  expect(!(await page.content()).includes(token), "the token is still in the DOM");
});

await step("nothing broke the CSP, threw, or left the origin", async () => {
  const cspReports = consoleMessages.filter((message) => message.includes("Content Security Policy"));
  expect(cspReports.length === 0, cspReports.join("\n"));
  expect(pageErrors.length === 0, pageErrors.join("\n"));
  expect(foreignRequests.length === 0, `requests elsewhere: ${foreignRequests.join(", ")}`);
});

await browser.close();
await fake.close();

const tally = (outcome) => results.filter((result) => result.outcome === outcome).length;
console.log(`screenshots in ${outDir}`);
console.log(`${tally("passed")} passed, ${tally("failed")} failed, ${tally("skipped")} skipped`);
process.exit(tally("failed") + tally("skipped") === 0 ? 0 : 1);
