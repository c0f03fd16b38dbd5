// The console in Debian's Chromium against a real curationd (started by curationd_test, with
// its database, the fake query node and a principal): sign in with the token, read the queue
// the query node's videos made, find hostile on-chain text inert, keep no token anywhere the
// page can reach, hold an HttpOnly SameSite=Strict session cookie, claim, censor TITLE's video
// with a code and a justification and see the joystream-cli command, and sign out.
//
// Usage: node tests/browser/real_curationd.mjs --url URL --token TOKEN --title TITLE --out OUT
//   TITLE: a video title the queue must show (as text). Exit code 0 when every check passed.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { chromium } = await import("playwright-core");
const { values: options } = parseArgs({
  options: { url: { type: "string" }, token: { type: "string" }, title: { type: "string" }, out: { type: "string" } },
});
if (!options.url || !options.token || !options.title || !options.out) {
  console.error("usage: node tests/browser/real_curationd.mjs --url URL --token TOKEN --title TITLE --out OUT");
  process.exit(2);
}
const outDir = resolve(options.out);
await mkdir(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // Chromium's sandbox refuses to start as root, and CI runs as root; the page is curation's
  // own, on loopback.
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
});
const failures = [];
const dialogs = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const check = (ok, what) => {
    console.log(`${ok ? "ok" : "not ok"} - ${what}`);
    if (!ok) failures.push(what);
  };

  await page.goto(options.url);
  await page.getByLabel("Access token").fill(options.token);
  await page.getByLabel("Access token").press("Enter");
  await page.getByRole("cell", { name: options.title, exact: false }).first().waitFor();
  await page.screenshot({ path: join(outDir, "real-01-queue.png"), fullPage: true });
  check(true, "signed in with the token and the queue shows the query node's videos");

  check((await page.locator("img[src='x']").count()) === 0, "a title holding an <img> tag stays text");
  check(dialogs.length === 0, "no script from on-chain text ran");
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  check(!stored.includes(options.token) && !page.url().includes(options.token), "the token is in no storage and no URL");
  check(!(await page.evaluate(() => document.cookie)).includes("ses_"), "the session cookie is out of the page's reach");
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name.endsWith("curation_session"));
  check(session !== undefined && session.httpOnly && session.sameSite === "Strict",
        `the session cookie is HttpOnly and SameSite=Strict (${JSON.stringify(session)})`);
  check(cookies.every((cookie) => !cookie.value.includes(options.token)), "the token is not a cookie");

  // A reload keeps the session: the queue comes back without the token.
  await page.reload();
  await page.getByRole("cell", { name: options.title, exact: false }).first().waitFor();
  check(true, "a reload keeps the session");

  // A curator's round: claim, open a video, censor it with a code and a justification, and
  // get the joystream-cli command that applies it on chain.
  await page.getByRole("button", { name: /^Claim next/ }).click();
  await page.getByRole("status").filter({ hasText: /^Claimed \d+ items?\.$/ }).waitFor();
  await page.getByRole("button", { name: options.title, exact: true }).click();
  await page.getByRole("heading", { name: /^Item \d+$/ }).waitFor();
  await page.screenshot({ path: join(outDir, "real-02-item.png"), fullPage: true });
  await page.keyboard.press("x");
  await page.getByRole("checkbox", { name: /copyright/ }).check();
  await page.getByLabel("Justification").fill("A broadcaster's whole episode, uploaded without a licence.");
  await page.getByRole("button", { name: "Censor", exact: true }).click();
  await page.getByRole("heading", { name: "Decided: censor" }).waitFor();
  const command = (await page.locator(".chain-command").innerText()).trim();
  check(command.startsWith("joystream-cli content:setVideoVisibilityAsModerator -v 1 -s HIDDEN"),
        `the censor's joystream-cli command is shown: ${command}`);
  await page.screenshot({ path: join(outDir, "real-03-censored.png"), fullPage: true });
  await page.getByRole("button", { name: "Back to the queue" }).click();

  await page.getByRole("button", { name: /sign out/i }).click();
  await page.getByLabel("Access token").waitFor();
  await page.screenshot({ path: join(outDir, "real-04-signed-out.png"), fullPage: true });
  const after = await page.evaluate(async () => {
    const response = await fetch("/curation.v1.ReviewService/GetQueueStats", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1" },
      body: "{}",
    });
    return response.status;
  });
  check(after === 401, `signed out, a call is refused (${after})`);
} catch (error) {
  failures.push(String(error));
  console.log(`not ok - ${error}`);
} finally {
  await browser.close();
}
console.log(failures.length === 0 ? "all passed" : `${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
