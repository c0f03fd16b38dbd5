// Smoke test of the built curator console in Debian's Chromium (no browser is downloaded):
// serves DIST from fake_curationd.mjs, signs in (a cookie session), reads the queue with its
// thumbnails (decoded from the fake distributor nodes, the next node's when one fails, blurred, a
// placeholder where there is none, never asked for twice), claims, and checks that hostile
// on-chain text stays inert text, that the token never reaches storage or the URL, that the
// session cookie is HttpOnly and SameSite=Strict, survives a reload and ends with sign-out, that
// another site cannot use it, that a council member gets no claim control; then as the council
// the log (pages, an entry's detail and links, filters, CSV and JSONL export, verification
// intact and broken), the alerts without actions and the term report inline and downloaded; a
// curator acknowledging an incident and the lead silencing and resolving; that nothing breaks
// the Content Security Policy, and that axe finds no serious accessibility fault. A screenshot
// of each screen goes to OUT.
//
// Usage: node tests/browser/smoke.mjs --dist DIST --out OUT
//   after `npm ci --prefix tests/browser --ignore-scripts` (playwright-core alone never downloads
//   a browser) and `services/console/web/build.sh DIST`.
// Environment: CHROMIUM, the browser to run (default /usr/bin/chromium).
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { launchChromium, seriousAxeViolations } from "./browser.mjs";
import {
  distributorNodes,
  hostileJustification,
  hostileTitle,
  startFakeCurationd,
  thumbnailObjects,
} from "./fake_curationd.mjs";

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
const leadToken = `cur_${randomBytes(24).toString("hex")}`;
const fake = await startFakeCurationd({
  distDir,
  principals: [
    { token, name: "alice", role: "curator" },
    { token: councilToken, name: "carol", role: "council" },
    { token: leadToken, name: "lena", role: "lead" },
  ],
});
const browser = await launchChromium(chromium);
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
// The fake distributor nodes serve the queue's thumbnails; nothing else is fetched from elsewhere.
const nodeOrigins = fake.nodeEndpoints.map((endpoint) => new URL(endpoint).origin);
page.on("request", (request) => {
  const { origin } = new URL(request.url());
  if (origin !== fake.origin && !nodeOrigins.includes(origin)) {
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

/** Fails on axe violations of serious or critical impact on the current screen. */
async function expectAccessible() {
  const violations = await seriousAxeViolations(page);
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

const thumbnailOf = (itemId) => page.locator(`tr:has(button[data-item-id="${itemId}"]) .queue-thumbnail`);
const thumbnailUrlOf = (node, videoId) => `${fake.nodeEndpoints[node]}api/v1/assets/${thumbnailObjects[videoId]}`;
/** What the browser made of a row's thumbnail <img>. */
const imageOf = (itemId) =>
  thumbnailOf(itemId)
    .locator("img")
    .evaluate((image) => ({
      src: image.currentSrc,
      complete: image.complete,
      naturalWidth: image.naturalWidth,
      attributes: ["alt", "width", "height", "loading", "decoding", "referrerpolicy"].map(
        (name) => `${name}=${image.getAttribute(name)}`,
      ),
      filter: getComputedStyle(image).filter,
    }));
const loaded = async (itemId) =>
  (await thumbnailOf(itemId).locator("img").count()) === 1 && (await imageOf(itemId)).naturalWidth > 0;
const videoSourcesAskedFor = () => callsOf("GetVideoSources").map((call) => call.body.videoId);

await step("video rows show their thumbnails, blurred, from the next node when one fails; others a placeholder", async () => {
  await bodyRows.nth(5).scrollIntoViewIfNeeded();
  await waitUntil(async () => (await loaded(102)) && (await loaded(103)) && (await loaded(104)), "the thumbnails load");
  const first = await bodyRows.nth(0).locator(".queue-thumbnail img").evaluate((image) => image.currentSrc);
  expect(first === thumbnailUrlOf(0, "9102"), `the first row's thumbnail: ${first}`);
  const [nodeA, nodeB] = distributorNodes;
  const firstImage = await imageOf(102);
  expect(firstImage.naturalWidth === nodeA.width, `the first row shows a ${firstImage.naturalWidth} px wide image`);
  expect(
    JSON.stringify(firstImage.attributes) ===
      '["alt=","width=80","height=45","loading=lazy","decoding=async","referrerpolicy=no-referrer"]',
    `the img's attributes: ${firstImage.attributes}`,
  );
  expect(firstImage.filter.includes("blur("), `the thumbnail is not blurred: ${firstImage.filter}`);
  const fallback = await imageOf(103);
  expect(fallback.src === thumbnailUrlOf(1, "9103") && fallback.naturalWidth === nodeB.width,
    `the row whose first node fails shows ${fallback.src}, ${fallback.naturalWidth} px wide`);
  const nodeAsked = fake.nodeRequests.filter((request) => request.path.endsWith(`/${thumbnailObjects["9103"]}`));
  expect(nodeAsked.map((request) => request.node).join() === "A,B", `9103's thumbnail asked of ${JSON.stringify(nodeAsked)}`);
  for (const itemId of [101, 106]) {
    await thumbnailOf(itemId).getByRole("img", { name: "no thumbnail" }).waitFor();
    expect((await thumbnailOf(itemId).locator("img").count()) === 0, `row ${itemId} has an img`);
  }
  expect((await thumbnailOf(105).count()) === 0, "the channel's row has a thumbnail");
  const asked = videoSourcesAskedFor();
  expect(JSON.stringify([...asked].sort()) === '["9101","9102","9103","9104","9106"]', `GetVideoSources for ${asked}`);
  expect(fake.videoSourcesPeak() <= 4, `${fake.videoSourcesPeak()} GetVideoSources calls at once`);
  expect(fake.nodeRequests.every((request) => request.referer === ""), "a node was sent a Referer");
  await screenshot("03-queue-thumbnails");
});

await step("a refresh of the queue asks GetVideoSources for none of the rows it knows", async () => {
  const askedBefore = videoSourcesAskedFor().length;
  const listCallsBefore = callsOf("ListItems").length;
  await page.getByRole("button", { name: "Refresh now" }).click();
  await page.clock.fastForward("00:16");
  await waitUntil(() => callsOf("ListItems").length >= listCallsBefore + 2, "the queue is refreshed twice");
  await new Promise((wake) => setTimeout(wake, 500));
  expect(videoSourcesAskedFor().length === askedBefore, `asked again: ${videoSourcesAskedFor().slice(askedBefore)}`);
  expect(await loaded(102), "the first row lost its thumbnail");
});

await step("hostile titles stay inert text, without their bidi override", async () => {
  const hostileCell = page.locator("td.title", { hasText: "<img src=x onerror=alert(1)>" });
  const shown = await hostileCell.innerText();
  expect(shown === hostileTitle.replace("\u202E", "\uFFFD"), `hostile title shown as ${JSON.stringify(shown)}`);
  const images = await page.locator("img").evaluateAll((found) => found.map((image) => image.getAttribute("src")));
  const strangers = images.filter((src) => !nodeOrigins.some((origin) => src?.startsWith(`${origin}/`)));
  expect(strangers.length === 0, `img elements other than thumbnails: ${strangers}`);
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
  await page.getByRole("heading", { name: "Channel history" }).waitFor();
  const history = callsOf("ListEntries").at(-1).body;
  expect(history.filter?.inChannelId !== undefined, `the channel's entries not asked: ${JSON.stringify(history)}`);
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

await step("Escape returns to the queue, without the decided item, its thumbnails not asked for again", async () => {
  const askedBefore = videoSourcesAskedFor().length;
  await page.keyboard.press("Escape");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await waitUntil(async () => (await bodyRows.count()) === 5, "the queue has 5 rows");
  expect((await bodyRows.filter({ hasText: "Unplayable upload" }).count()) === 0, "the censored item is still listed");
  await waitUntil(() => loaded(103), "the thumbnail of 103 is shown again");
  await new Promise((wake) => setTimeout(wake, 300));
  expect(videoSourcesAskedFor().length === askedBefore, `asked again: ${videoSourcesAskedFor().slice(askedBefore)}`);
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

const screenNav = page.getByRole("navigation", { name: "Screens" });
const navButtons = async () => (await screenNav.getByRole("button").allInnerTexts()).map((text) => text.split("\n")[0].trim());
const logRows = page.locator("table.log tbody tr");
const entryDetail = page.locator("section.entry-detail");
const signInAs = async (who) => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await tokenField.fill(who);
  await signInButton.click();
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
};

await step("the council's navigation offers the queue, the log, the alerts and the report, each with a key", async () => {
  const shown = await navButtons();
  expect(JSON.stringify(shown) === '["Queue Q","Log L","Alerts A","Reports R"]', `navigation: ${JSON.stringify(shown)}`);
  expect((await screenNav.getByRole("button", { name: /^Queue/ }).getAttribute("aria-current")) === "page", "the queue is not current");
  await page.keyboard.press("Shift+L");
  await page.getByRole("heading", { name: "Moderation log" }).waitFor();
  expect((await screenNav.getByRole("button", { name: /^Log/ }).getAttribute("aria-current")) === "page", "the log is not current");
});

await step("the log lists its entries a page at a time, oldest first, stored text inert", async () => {
  await logRows.nth(49).waitFor();
  expect((await logRows.count()) === 50, `${await logRows.count()} rows on the first page`);
  expect((await logRows.nth(0).innerText()).startsWith("curation-log#1\t"), await logRows.nth(0).innerText());
  const censorRow = await logRows.nth(2).innerText();
  expect(censorRow.includes(hostileJustification.replace("\u202E", "\uFFFD")), `the censor's row: ${censorRow}`);
  expect(censorRow.includes("Censor") && censorRow.includes("copyright") && censorRow.includes("Confirmed on chain"), censorRow);
  expect((await page.locator("table.log script").count()) === 0, "a script element came from stored text");
  const logScreenCalls = callsOf("ListEntries").filter((call) => call.body.filter?.inChannelId === undefined);
  expect(logScreenCalls.every((call) => call.body.pageSize === 50), "ListEntries without pageSize 50");
  await page.getByRole("button", { name: "Next page" }).click();
  await page.getByText("Entries 51\u201360").waitFor();
  expect((await logRows.count()) === 10, `${await logRows.count()} rows on the second page`);
  expect(callsOf("ListEntries").at(-1).body.pageToken === "50", `token: ${JSON.stringify(callsOf("ListEntries").at(-1).body)}`);
  await page.getByRole("button", { name: "Previous page" }).click();
  await page.getByText("Entries 1\u201350").waitFor();
});

await step("j and Enter open an entry: what the curator saw, its hashes, links to the entries tied to it", async () => {
  for (let presses = 0; presses < 3; presses += 1) {
    await page.keyboard.press("j");
  }
  const focused = await page.evaluate(() => document.activeElement?.textContent);
  expect(focused === "curation-log#3", `j moved the focus to ${focused}`);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "curation-log#3: Censor" }).waitFor();
  const detail = await entryDetail.innerText();
  const stored = fake.log[2];
  for (const expected of ["Upload number 3", "Walks", "Travel", stored.contentHash, stored.previousHash, stored.chainHash,
    "Confirmed on chain", "curation-log#5", stored.chainCommand, "curator worker 7"]) {
    expect(detail.includes(expected), `the detail lacks ${expected}: ${detail}`);
  }
  expect(!detail.includes("\u202E"), "a bidi override reached the detail");
  await entryDetail.getByRole("button", { name: "curation-log#5" }).click();
  await page.getByRole("heading", { name: "curation-log#5: Confirmed on chain" }).waitFor();
  const confirmation = await entryDetail.innerText();
  expect(confirmation.includes("OLYMPIA-200-1") && confirmation.includes("hidden by curator 7"), confirmation);
  await entryDetail.getByRole("button", { name: "curation-log#3" }).click();
  await page.getByRole("heading", { name: "curation-log#3: Censor" }).waitFor();
  await screenshot("10-log-entry");
});

await step("axe finds nothing serious or critical on the log", expectAccessible);

await step("the filters narrow the list as curatorctl log list's flags do", async () => {
  await page.getByRole("checkbox", { name: "Censor" }).check();
  await page.getByRole("checkbox", { name: "Revert" }).check();
  await page.getByLabel("Target id").fill("9003");
  await page.getByRole("button", { name: "Apply the filter" }).click();
  await waitUntil(async () => (await logRows.count()) === 2, "two entries are listed");
  const filter = callsOf("ListEntries").at(-1).body.filter;
  expect(JSON.stringify(filter) === '{"targetKind":"TARGET_KIND_VIDEO","targetId":"9003","kinds":["ENTRY_KIND_CENSOR","ENTRY_KIND_REVERT"]}',
    `filter: ${JSON.stringify(filter)}`);
});

// curatorctl log export's CSV columns: every field of Entry in declaration order.
const exportColumns =
  "id,reference,kind,actor,actor_role,actor_worker_id,target_kind,target_id,item_id,justification,policy_codes,note," +
  "snapshot.title,snapshot.channel_id,snapshot.channel_title,snapshot.category_id,snapshot.category_name," +
  "snapshot.playability,snapshot.playability_summary,reverts_entry_id,confirms_entry_id,chain_event.event_id," +
  "chain_event.block,chain_event.extrinsic,chain_event.is_hidden,chain_event.rationale,chain_event.actor," +
  "chain_event.event_time,record_time,content_hash,previous_hash,chain_hash,chain_position,chain_status," +
  "confirmed_by_entry_id,chain_command,evidence";

const downloadOf = async (click) => {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
};

await step("the filtered entries export as CSV in curatorctl's columns, and as JSON lines", async () => {
  const csv = await downloadOf(() => page.getByRole("button", { name: "Export CSV" }).click());
  expect(/^curation-log-\d{4}-\d\d-\d\d\.csv$/.test(csv.name), `file name ${csv.name}`);
  const lines = csv.text.split("\r\n");
  expect(lines.length === 4 && lines[3] === "", `${lines.length - 1} CSV lines: ${csv.text}`);
  expect(lines[0] === exportColumns, `header: ${lines[0]}`);
  const censor = fake.log[2];
  expect(lines[1] === [3, "curation-log#3", "ENTRY_KIND_CENSOR", "alice", "curator", 7, "TARGET_KIND_VIDEO", 9003, 103,
    hostileJustification, "copyright", "", "Upload number 3", 501, "Walks", 7, "Travel", "VERDICT_PLAYABLE", "", 0, 0,
    "", "", "", "", "", "", "", censor.recordTime, censor.contentHash, censor.previousHash,
    censor.chainHash, 3, "CHAIN_STATUS_CONFIRMED", 5, censor.chainCommand, ""].join(","), `row: ${lines[1]}`);
  expect(lines[2].startsWith("6,curation-log#6,ENTRY_KIND_REVERT,lena,lead,-1,"), `row: ${lines[2]}`);
  await page.getByRole("status").filter({ hasText: "Exported 2 entries as CSV." }).waitFor();
  const jsonl = await downloadOf(() => page.getByRole("button", { name: "Export JSON lines" }).click());
  const entries = jsonl.text.trimEnd().split("\n").map((line) => JSON.parse(line));
  expect(jsonl.name.endsWith(".jsonl") && entries.length === 2, `${jsonl.name}: ${jsonl.text}`);
  expect(entries[0].content_hash === censor.contentHash && entries[0].kind === "ENTRY_KIND_CENSOR", jsonl.text);
  expect(entries[1].reverts_entry_id === "3" && entries[1].note === "", `defaults written: ${JSON.stringify(entries[1])}`);
  await page.getByRole("checkbox", { name: "Censor" }).uncheck();
  await page.getByRole("checkbox", { name: "Revert" }).uncheck();
  await page.getByLabel("Target id").fill("");
  await page.getByRole("button", { name: "Apply the filter" }).click();
  await logRows.nth(49).waitFor();
});

await step("v verifies the whole chain a window at a time with its progress in view, and says it is intact", async () => {
  const verifyButton = page.getByRole("button", { name: /^Verify the chain/ });
  const callsBefore = callsOf("VerifyLog").length;
  await page.keyboard.press("v");
  await page.locator(".verify-status progress").waitFor();
  expect(await verifyButton.isDisabled(), "a second verification could start");
  await page.getByText("Recomputed positions 1 to 25 of 60").waitFor();
  const bar = page.locator(".verify-status progress");
  expect((await bar.getAttribute("value")) === "25" && (await bar.getAttribute("max")) === "60", "the bar shows 25 of 60");
  await page.getByText("Recomputed positions 1 to 50 of 60").waitFor();
  const intact = page.locator(".verify-intact");
  await intact.filter({ hasText: `Intact: 60 entries, head ${fake.log[59].chainHash}` }).waitFor();
  const said = await intact.innerText();
  expect(said.includes("Recomputed the whole chain to position 60; every entry is in the chain."), said);
  expect((await page.locator(".verify-status progress").count()) === 0, "the progress stays after the answer");
  const calls = callsOf("VerifyLog").slice(callsBefore).map((call) => JSON.stringify(call.body));
  const expected = [
    '{"window":{"upTo":"9223372036854775807"}}',
    '{"window":{"after":"25","upTo":"9223372036854775807"}}',
    '{"window":{"after":"50","upTo":"9223372036854775807"}}',
    '{"sinceCheckpoint":true}',
  ];
  expect(JSON.stringify(calls) === JSON.stringify(expected), `windows from 0 to the head, then the rest: ${calls}`);
  await screenshot("11-log-verified");
});

await step("a broken chain is shown as broken, with its first broken entry to open", async () => {
  fake.breakLogAt(4);
  await page.getByRole("checkbox", { name: /^Only what was sealed/ }).check();
  await page.getByRole("button", { name: /^Verify the chain/ }).click();
  const broken = page.locator(".verify-broken");
  await broken.waitFor();
  const said = await broken.innerText();
  expect(said.includes("Broken at entry 4 (position 4)") && said.includes("<i>edited</i>"), said);
  expect(said.includes("The chain holds from position 1 to 3."), said);
  expect(callsOf("VerifyLog").at(-1).body.sinceCheckpoint === true, "not since the checkpoint");
  await screenshot("12-log-broken");
  await broken.getByRole("button", { name: "Open entry 4" }).click();
  await page.getByRole("heading", { name: "curation-log#4: Warn" }).waitFor();
  fake.breakLogAt(0);
});

await step("? on the log lists its keys and the screens'", async () => {
  await page.keyboard.press("?");
  const help = page.getByRole("region", { name: "Keyboard shortcuts" });
  const listed = await help.innerText();
  for (const expected of ["Verify the chain", "Go to Queue", "Go to Log", "Go to Alerts", "Go to Reports"]) {
    expect(listed.includes(expected), `the key list lacks ${expected}: ${listed}`);
  }
  await page.keyboard.press("?");
  await help.waitFor({ state: "detached" });
});

const incidentDetail = page.locator("section.incident-detail");

await step("the council reads the alerts, open first, with the incident's timeline and its cut and poster", async () => {
  await page.keyboard.press("Shift+A");
  await page.getByRole("heading", { name: "Alerts" }).waitFor();
  const open = page.locator("table.incidents").nth(0);
  await open.getByRole("button", { name: "#2 HeroVideoUnplayable" }).waitFor();
  await page.locator("table.incidents").nth(1).getByRole("button", { name: "#1 FeaturedVideoUnplayable" }).waitFor();
  expect((await open.innerText()).includes("Broken cut <b>hero</b>"), "the title is not shown as text");
  await open.getByRole("button", { name: "#2 HeroVideoUnplayable" }).click();
  await page.getByRole("heading", { name: "Incident 2: HeroVideoUnplayable" }).waitFor();
  const timeline = await incidentDetail.locator("ol.timeline").innerText();
  expect(timeline.includes("opened by the pipeline") && timeline.includes("paged by the pipeline"), timeline);
  const poster = incidentDetail.getByRole("img", { name: "The featured video's poster" });
  await waitUntil(() => poster.evaluate((image) => image.complete && image.naturalWidth === 1), "the poster loads");
  const cut = await incidentDetail.locator("video").evaluate((video) => ({ src: video.src, muted: video.muted }));
  expect(cut.src === `${fake.origin}/media/cut.mp4` && cut.muted, `the cut: ${JSON.stringify(cut)}`);
  for (const action of ["Acknowledge", "Resolve", "Silence"]) {
    expect((await page.getByRole("button", { name: action, exact: true }).count()) === 0, `the council is offered ${action}`);
  }
  await screenshot("13-alerts-council");
});

await step("axe finds nothing serious or critical on the alerts", expectAccessible);

await step("the council's term report shows inline, without its script, and downloads in each format", async () => {
  await page.keyboard.press("Shift+R");
  await page.getByRole("heading", { name: "Council report" }).waitFor();
  const termChoice = page.getByLabel("Term", { exact: true });
  await waitUntil(async () => (await termChoice.count()) === 1 && (await termChoice.inputValue()) === "42", "term 42 is chosen");
  await page.getByRole("button", { name: "Show the report" }).click();
  const frame = page.frameLocator("iframe.report-frame");
  await frame.getByRole("heading", { name: "Curation report, term 42" }).waitFor();
  const headerColour = await frame.locator("th").first().evaluate((cell) => getComputedStyle(cell).backgroundColor);
  expect(headerColour === "rgb(240, 240, 240)", `the report's own style is not applied: ${headerColour}`);
  expect(!(await page.evaluate(() => "reportScriptRan" in window)), "the report's script ran");
  const sandbox = await page.locator("iframe.report-frame").getAttribute("sandbox");
  expect(sandbox === "allow-same-origin", `sandbox="${sandbox}"`);
  const counts = await page.locator("section.report dl.counts").innerText();
  expect(counts.includes("Videos decided late or never\n2") && counts.includes("intact"), counts);
  expect(callsOf("GetReport").at(-1).body.term === "42" && callsOf("GetReport").at(-1).body.format === "REPORT_FORMAT_HTML",
    JSON.stringify(callsOf("GetReport").at(-1).body));
  await screenshot("14-report");
  for (const [label, name, start] of [
    ["Markdown (a forum post)", "curation-report-term-42.md", "# Curation report, term 42"],
    ["CSV", "curation-report-term-42.csv", "date;curator;action"],
    ["JSON", "curation-report-term-42.json", '{"term":"42"'],
  ]) {
    const saved = await downloadOf(() => page.getByRole("button", { name: label, exact: true }).click());
    expect(saved.name === name && saved.text.startsWith(start), `${label}: ${saved.name}: ${saved.text}`);
  }
  await page.getByRole("radio", { name: "Days (UTC)" }).check();
  await page.getByRole("button", { name: "Show the report" }).click();
  await waitUntil(() => callsOf("GetReport").at(-1).body.range !== undefined, "a period's report is asked for");
  const { range } = callsOf("GetReport").at(-1).body;
  expect(Date.parse(range.endTime) - Date.parse(range.startTime) === 86_400_000, `range: ${JSON.stringify(range)}`);
});

await step("axe finds nothing serious or critical on the report", expectAccessible);

await step("a curator has no report in the navigation, and acknowledges the firing incident", async () => {
  await signInAs(token);
  const shown = await navButtons();
  expect(JSON.stringify(shown) === '["Queue Q","Log L","Alerts A"]', `navigation: ${JSON.stringify(shown)}`);
  await page.keyboard.press("Shift+R");
  await page.keyboard.press("Shift+A");
  await page.getByRole("heading", { name: "Alerts" }).waitFor();
  expect((await page.getByRole("heading", { name: "Council report" }).count()) === 0, "R opened the report");
  await page.getByRole("button", { name: "#2 HeroVideoUnplayable" }).waitFor();
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Incident 2: HeroVideoUnplayable" }).waitFor();
  expect((await page.getByRole("button", { name: "Resolve", exact: true }).count()) === 0, "a curator is offered Resolve");
  expect((await page.getByRole("heading", { name: "Silence a slot" }).count()) === 0, "a curator is offered a silence");
  await page.getByLabel("Note").fill("Asking the uploader for a faststart cut");
  await page.getByRole("button", { name: "Acknowledge", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Incident 2 acknowledged." }).waitFor();
  const incident = fake.incidents.find((candidate) => candidate.id === "2");
  expect(incident.state === "INCIDENT_STATE_ACKNOWLEDGED" && incident.acknowledgedBy === "alice", JSON.stringify(incident));
  const timeline = await incidentDetail.locator("ol.timeline").innerText();
  expect(timeline.includes("acknowledged by alice: Asking the uploader for a faststart cut"), timeline);
  expect((await page.getByRole("button", { name: "Acknowledge", exact: true }).count()) === 0, "acknowledge offered twice");
  await screenshot("15-alerts-acknowledged");
});

await step("the lead silences the hero's slot and resolves the incident with a note", async () => {
  await signInAs(leadToken);
  await page.keyboard.press("Shift+A");
  await page.getByRole("button", { name: "#2 HeroVideoUnplayable" }).click();
  await page.getByRole("heading", { name: "Incident 2: HeroVideoUnplayable" }).waitFor();
  const resolve = page.getByRole("button", { name: "Resolve", exact: true });
  expect(await resolve.isDisabled(), "Resolve is offered without a note");
  await page.getByLabel("For").selectOption({ label: "4 hours" });
  await page.getByLabel("Reason").fill("Orion is being migrated");
  await page.getByRole("button", { name: "Silence", exact: true }).click();
  await page.getByRole("status").filter({ hasText: /^hero silenced until / }).waitFor();
  const silence = fake.silences.at(-1);
  const asked = callsOf("SilenceSlot").at(-1).body;
  expect(asked.slot === "hero" && asked.duration === "14400s" && silence.createdBy === "lena", JSON.stringify(asked));
  await page.locator("table.slots").getByText("Orion is being migrated").waitFor();
  await page.getByLabel(/^Note/).fill("Featured another video");
  await resolve.click();
  await page.getByRole("status").filter({ hasText: "Incident 2 resolved." }).waitFor();
  expect(fake.incidents[0].state === "INCIDENT_STATE_RESOLVED" && fake.incidents[0].resolution === "Featured another video",
    JSON.stringify(fake.incidents[0]));
  await screenshot("16-alerts-lead");
});

await step("axe finds nothing serious or critical on the lead's alerts", expectAccessible);

await step("nothing broke the CSP, threw, or went anywhere but the distributor nodes", async () => {
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
