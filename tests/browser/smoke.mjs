// Smoke test of the built curator console in Debian's Chromium (no browser is downloaded):
// serves DIST from fake_curationd.mjs, signs in (a cookie session), reads the queue, claims, and
// checks that hostile on-chain text stays inert text, that the token never reaches storage or
// the URL, that the session cookie is HttpOnly and SameSite=Strict, survives a reload and ends
// with sign-out, that another site cannot use it, that a council member gets no claim control,
// that nothing breaks the Content Security Policy, and that axe finds no serious accessibility
// fault. A screenshot of each screen goes to OUT.
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

const token = `cur_${randomBytes(24).toString("hex")}`;
const councilToken = `cur_${randomBytes(24).toString("hex")}`;
const fake = await startFakeCurationd({
  distDir,
  principals: [
    { token, name: "alice", role: "curator" },
    { token: councilToken, name: "carol", role: "council" },
  ],
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // Chromium's sandbox refuses to start as root, and CI runs as root; the page is our own
  // build talking to a fake on loopback, so running it unsandboxed there is acceptable.
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: fake.origin });
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
const sessionCookieOf = async () =>
  (await context.cookies(fake.origin)).find((cookie) => cookie.name === "curation_session");

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
  await alert.filter({ hasText: "Unauthenticated: unknown or revoked token" }).waitFor();
  expect((await tokenField.inputValue()) === "", "the refused token is still in the field");
  await screenshot("02-sign-in-refused");
});

await step("signing in with the keyboard shows the queue, earliest due first", async () => {
  await tokenField.fill(token);
  await tokenField.press("Enter");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await page.getByText("Signed in as alice (curator)").waitFor();
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

await step("the session cookie is HttpOnly and SameSite=Strict, and the page cannot read it", async () => {
  const cookie = await sessionCookieOf();
  expect(cookie !== undefined, "no curation_session cookie");
  expect(cookie.value.startsWith("ses_"), "the cookie does not hold a session id");
  expect(cookie.httpOnly, "the session cookie is not HttpOnly");
  expect(cookie.sameSite === "Strict", `the session cookie is SameSite=${cookie.sameSite}`);
  expect(cookie.path === "/", `the session cookie's path is ${cookie.path}`);
  const visible = await page.evaluate(() => document.cookie);
  expect(!visible.includes("curation_session"), `document.cookie shows it: ${visible}`);
  expect(fake.sessions.size === 1, `${fake.sessions.size} sessions on the fake`);
});

await step("a reload resumes the session without asking for the token", async () => {
  await page.reload();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await page.getByText("Signed in as alice (curator)").waitFor();
  await bodyRows.nth(5).waitFor();
  expect((await tokenField.count()) === 0, "the sign-in screen is shown after a reload");
});

await step("another site's POSTs with the session cookie are refused and change nothing", async () => {
  const claimsBefore = callsOf("ClaimItems").length;
  const statsBefore = callsOf("GetQueueStats").length;
  const refusedBefore = fake.refused.length;
  const claimPath = `${fake.origin}/curation.v1.ReviewService/ClaimItems`;
  // Same site (127.0.0.1), another origin (port): SameSite lets the cookie go, Origin stops it.
  // Another site altogether (localhost): the browser withholds the SameSite=Strict cookie.
  const otherOrigins = [`http://127.0.0.1:${fake.otherSitePort}`, `http://localhost:${fake.otherSitePort}`];
  const attacker = await context.newPage();
  for (const otherOrigin of otherOrigins) {
    await attacker.goto(`${otherOrigin}/`);
    await attacker.evaluate(async (url) => {
      await fetch(url, { method: "POST", credentials: "include", mode: "no-cors", body: '{"count":100}' });
    }, claimPath);
    // A form post, the oldest cross-site request there is; the answer replaces the page.
    await attacker.evaluate((url) => {
      const form = document.createElement("form");
      form.method = "POST";
      form.action = url;
      form.enctype = "text/plain";
      const field = document.createElement("input");
      field.name = '{"count":100,"x":"';
      field.value = '"}';
      form.append(field);
      document.body.append(form);
      form.submit();
    }, claimPath);
    await attacker.waitForURL(claimPath);
  }
  await attacker.close();
  const refusals = fake.refused.slice(refusedBefore);
  const seen = refusals.map((refusal) => `${refusal.origin} ${refusal.status} ${refusal.code}`);
  const expected = [
    `${otherOrigins[0]} 403 permission_denied`,
    `${otherOrigins[0]} 403 permission_denied`,
    `${otherOrigins[1]} 401 unauthenticated`,
    `${otherOrigins[1]} 401 unauthenticated`,
  ];
  expect(JSON.stringify(seen) === JSON.stringify(expected), `refusals: ${JSON.stringify(seen)}`);
  expect(refusals.every((refusal) => refusal.path.endsWith("/ClaimItems")), "refused something else");
  expect(callsOf("ClaimItems").length === claimsBefore, "another site's claim was answered");
  await page.getByRole("button", { name: "Refresh now" }).click();
  await waitUntil(() => callsOf("GetQueueStats").length > statsBefore, "the counts are asked again");
  const counts = await page.locator("dl.counts").innerText();
  expect(counts.includes("Open\n5") && counts.includes("Claimed\n1"), `the queue changed: ${JSON.stringify(counts)}`);
});

await step("the key c claims the next 5 and the table shows them claimed", async () => {
  await page.keyboard.press("c");
  await page.getByRole("status").filter({ hasText: "Claimed 5 items." }).waitFor();
  const claims = callsOf("ClaimItems");
  expect(claims.length === 1 && claims[0].body.count === 5, `ClaimItems calls: ${JSON.stringify(claims)}`);
  const counts = page.locator("dl.counts");
  await waitUntil(async () => (await counts.innerText()).includes("Open\n0"), "no item is open");
  const claimedRows = await bodyRows.filter({ hasText: "Claimed by alice" }).count();
  expect(claimedRows === 5, `${claimedRows} rows claimed by alice`);
  expect(claims[0].principal === "alice", "the claim was not made as alice");
  await screenshot("04-claimed");
});

await step("a refused claim shows the Connect error's message", async () => {
  fake.failNext("ClaimItems", {
    status: 403,
    code: "permission_denied",
    message: "alice may not claim: the principal was suspended",
  });
  await page.getByLabel("Items to claim").fill("2");
  await page.getByRole("button", { name: /^Claim next 2/ }).click();
  await alert.filter({ hasText: "Permission denied: alice may not claim: the principal was suspended" }).waitFor();
  expect(callsOf("ClaimItems").at(-1).body.count === 2, "the claim did not ask for 2");
  await screenshot("05-claim-refused");
});

await step("the queue refreshes by itself every 15 s", async () => {
  const listCallsBefore = callsOf("ListItems").length;
  await page.clock.fastForward("00:16");
  await waitUntil(() => callsOf("ListItems").length > listCallsBefore, "ListItems is called again");
});

const itemHeading = (id) => page.getByRole("heading", { name: `Item ${id}`, exact: true });

await step("j moves down the rows and Enter opens one: its facts as inert text, the lease counting down", async () => {
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-item-id"));
  expect(focused === "101", `the second row is not focused: ${focused}`);
  await page.keyboard.press("Enter");
  await itemHeading(101).waitFor();
  const title = await page.locator("#item-title").innerText();
  expect(title === hostileTitle.replace("\u202E", "\uFFFD"), `title shown as ${JSON.stringify(title)}`);
  expect((await page.locator("img").count()) === 0, "an img element was created");
  const lease = page.locator("dd.lease");
  const leaseBefore = await lease.innerText();
  expect(/^ends in \d+ min \d+ s$/.test(leaseBefore), `lease: ${leaseBefore}`);
  await page.clock.fastForward("00:03");
  await waitUntil(async () => (await lease.innerText()) !== leaseBefore, "the lease counts down");
  const topBar = await page.locator("header.top-bar").innerText();
  expect(topBar.includes("2 of 6 in the queue"), `no position shown: ${topBar}`);
  await screenshot("08-item");
});

await step("axe finds nothing serious or critical on the item screen", expectAccessible);

await step("? lists the keys, and j and k step through the queue's items", async () => {
  await page.keyboard.press("?");
  const help = page.getByRole("region", { name: "Keyboard shortcuts" });
  await help.waitFor();
  const listed = await help.innerText();
  for (const expected of ["Choose approve", "Choose warn", "Choose censor", "Choose escalate", "Next item"]) {
    expect(listed.includes(expected), `the key list lacks ${expected}`);
  }
  await page.keyboard.press("?");
  await help.waitFor({ state: "detached" });
  await page.keyboard.press("j");
  await itemHeading(103).waitFor();
  await page.keyboard.press("k");
  await itemHeading(101).waitFor();
  await page.keyboard.press("k");
  await itemHeading(102).waitFor();
});

await step("x chooses censor; the justification is counted as typed; the server's refusal is shown", async () => {
  await page.keyboard.press("x");
  expect(await page.getByRole("radio", { name: /^Censor/ }).isChecked(), "censor is not chosen");
  const justification = page.getByLabel("Justification");
  await justification.fill("too short");
  const count = page.locator("#justification-count");
  expect((await count.innerText()).includes("11 more visible characters needed"), `count: ${await count.innerText()}`);
  await page.getByRole("checkbox", { name: /copyright/ }).check();
  expect((await page.getByRole("checkbox", { name: /spam_channel/ }).count()) === 0, "a channel-only code is offered for a video");
  const decisionsBefore = callsOf("DecideItem").length;
  await page.getByRole("button", { name: "Censor", exact: true }).click();
  await page.getByText("Justification: 11 more visible characters needed.").waitFor();
  expect(callsOf("DecideItem").length === decisionsBefore, "a short justification was sent");
  await justification.fill("Re-upload of a film under copyright, whole runtime, from 00:00.");
  expect(!(await count.innerText()).includes("needed"), `count: ${await count.innerText()}`);
  fake.failNext("DecideItem", { status: 400, code: "failed_precondition", message: "alice's lease on item 102 has expired" });
  await page.getByRole("button", { name: "Censor", exact: true }).click();
  await alert.filter({ hasText: "Failed precondition: alice's lease on item 102 has expired" }).waitFor();
});

await step("a censor shows the joystream-cli command, and the copy button copies it", async () => {
  await page.getByRole("button", { name: "Censor", exact: true }).click();
  await page.getByRole("heading", { name: "Decided: censor" }).waitFor();
  expect((await alert.filter({ hasText: "lease" }).count()) === 0, "the earlier refusal is still shown");
  const decision = fake.decisions.at(-1);
  expect(decision.itemId === "102" && decision.action === "ACTION_CENSOR", `decision: ${JSON.stringify(decision)}`);
  expect(decision.justification.startsWith("Re-upload of a film"), "the justification did not arrive as UTF-8");
  expect(JSON.stringify(decision.policyCodes) === '["copyright"]', `codes: ${decision.policyCodes}`);
  const shown = await page.locator(".chain-command").innerText();
  expect(shown.trim() === decision.chainCommand, `command shown as ${shown}`);
  expect(shown.startsWith("joystream-cli content:setVideoVisibilityAsModerator -v 9102 -s HIDDEN"), shown);
  await page.getByRole("button", { name: "Copy the command" }).click();
  await page.getByRole("status").filter({ hasText: "Copied." }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied === decision.chainCommand, `clipboard: ${copied}`);
  await screenshot("09-censored");
});

await step("axe finds nothing serious or critical after a decision", expectAccessible);

await step("Escape returns to the queue, without the decided item", async () => {
  await page.keyboard.press("Escape");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await waitUntil(async () => (await bodyRows.count()) === 5, "the queue has 5 rows");
  expect((await bodyRows.filter({ hasText: "Unplayable upload" }).count()) === 0, "the censored item is still listed");
});

await step("the filters narrow the list, and stay while an item is open", async () => {
  await page.getByLabel("At risk only").check();
  await page.getByLabel("Plays").selectOption({ label: "Playable" });
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.getByRole("table", { name: /Items matching the filters/ }).waitFor();
  await waitUntil(async () => (await bodyRows.count()) === 1, "one playable item at risk");
  expect((await bodyRows.nth(0).innerText()).includes("At risk"), "the row is not at risk");
  const request = callsOf("ListItems").at(-1).body;
  expect(request.atRiskOnly === true && request.playability === "VERDICT_PLAYABLE", `request: ${JSON.stringify(request)}`);
  await screenshot("10-queue-filtered");
  await expectAccessible();
  await bodyRows.nth(0).locator("button.open-item").click();
  await page.keyboard.press("Escape");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  expect((await page.getByLabel("At risk only").isChecked()) === true, "the filter was forgotten");
  await waitUntil(async () => (await bodyRows.count()) === 1, "still one row after returning");
  await page.getByLabel("Channel id").fill("no-such-channel");
  await page.getByLabel("Channel id").press("Enter");
  await page.getByText("No item matches the filters.").waitFor();
  await page.getByRole("button", { name: "Clear" }).click();
  await waitUntil(async () => (await bodyRows.count()) === 5, "all 5 rows again");
});

await step("a approves an item; its markup-laden category stays text", async () => {
  await page.getByRole("button", { name: "Cooking with Joy, part 2" }).click();
  await itemHeading(104).waitFor();
  const facts = await page.locator("dl.facts").innerText();
  expect(facts.includes("Food <b>&amp;</b> drink"), `category: ${facts}`);
  await page.keyboard.press("a");
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await page.getByRole("heading", { name: "Decided: approve" }).waitFor();
  expect((await page.locator(".chain-command").count()) === 0, "an approval has a chain command");
  await page.getByRole("button", { name: "Back to the queue" }).click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
});

await step("a session refused mid-way returns to sign-in with the reason", async () => {
  fake.failNext("ListItems", { status: 401, code: "unauthenticated", message: "the principal was revoked" });
  await page.clock.fastForward("00:16");
  await alert.filter({ hasText: "Unauthenticated: the principal was revoked" }).waitFor();
  await tokenField.waitFor();
  await screenshot("06-session-ended");
});

await step("signing in again starts a new session", async () => {
  await tokenField.fill(token);
  await signInButton.click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  expect((await tokenField.count()) === 0, "still on the sign-in screen");
});

await step("signing out ends the session: the cookie goes, and the old id is refused", async () => {
  const cookie = await sessionCookieOf();
  await page.getByRole("button", { name: "Sign out" }).click();
  await tokenField.waitFor();
  expect((await sessionCookieOf()) === undefined, "the cookie is still in the browser");
  expect(!fake.sessions.has(cookie.value), "the session lives on in the fake");
  // Even the old id, put back by hand, no longer opens anything.
  await context.addCookies([cookie]);
  const answer = await page.evaluate(async () => {
    const response = await fetch("/curation.v1.ReviewService/GetQueueStats", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1" },
      body: "{}",
    });
    return { status: response.status, body: await response.json() };
  });
  expect(answer.status === 401 && answer.body.code === "unauthenticated", `answer: ${JSON.stringify(answer)}`);
  await context.clearCookies();
  await page.reload();
  await tokenField.waitFor();
  expect((await tokenField.inputValue()) === "", "the token field is not empty");
  expect(!(await page.content()).includes(token), "the token is still in the DOM");
});

await step("a council member sees the queue but no claim control", async () => {
  await tokenField.fill(councilToken);
  await signInButton.click();
  await page.getByText("Signed in as carol (council)").waitFor();
  // Six items less the two decided above.
  await bodyRows.nth(3).waitFor();
  expect((await page.getByLabel("Items to claim").count()) === 0, "the claim count field is shown");
  expect((await page.getByRole("button", { name: /^Claim/ }).count()) === 0, "a Claim button is shown");
  const claimsBefore = callsOf("ClaimItems").length;
  await page.keyboard.press("c");
  await page.getByRole("button", { name: "Refresh now" }).click();
  await waitUntil(() => callsOf("GetQueueStats").at(-1).principal === "carol", "carol refreshed");
  expect(callsOf("ClaimItems").length === claimsBefore, "the key c claimed for a council member");
  await screenshot("07-council");
  await page.getByRole("button", { name: "Mountain timelapse" }).click();
  await itemHeading(103).waitFor();
  await page.locator("dl.facts").waitFor();
  expect((await page.getByRole("heading", { name: "Decision" }).count()) === 0, "the council sees a decision form");
  await page.keyboard.press("a");
  expect((await page.getByRole("radio").count()) === 0, "a chose something for the council");
  await page.keyboard.press("Escape");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
});

await step("axe finds nothing serious or critical on the council's queue", expectAccessible);

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
