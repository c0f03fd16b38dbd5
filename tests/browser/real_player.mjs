// The item screen's player in Debian's Chromium against a real curationd (started by
// curationd_test with the fake query node and two fake distributor nodes serving media ffmpeg
// encoded during the run): a video plays from the first node of its bag; a first node answering
// 404, or serving truncated bytes, hands over to the second and the screen says so; the CSP lets
// media come from the nodes and from nowhere else; an evidence note at 0:03 goes with the
// decision; a node that stops sending mid-play is given up for the next; and a whole review, claim to copied chain command, is done with the keyboard alone.
//
// Usage: node tests/browser/real_player.mjs --url URL --token TOKEN --node1 URL --node2 URL
//          --elsewhere URL --out OUT
//   node1, node2: the nodes' endpoints, in the bag's order; elsewhere: an http origin that is no
//   distributor (the CSP must refuse media from it). Exit code 0 when every check passed.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { chromium } = await import("playwright-core");
const { values: options } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string" },
    node1: { type: "string" },
    node2: { type: "string" },
    elsewhere: { type: "string" },
    out: { type: "string" },
  },
});
if (!options.url || !options.token || !options.node1 || !options.node2 || !options.elsewhere || !options.out) {
  console.error(
    "usage: node tests/browser/real_player.mjs --url URL --token TOKEN --node1 URL --node2 URL --elsewhere URL --out OUT",
  );
  process.exit(2);
}
const outDir = resolve(options.out);
await mkdir(outDir, { recursive: true });

// The three videos the test put on the query node, by title, and what their first node does.
const videos = {
  plays: "Plays from the first node",
  notFound: "First node answers 404",
  truncated: "First node serves truncated bytes",
  stalls: "First node stalls mid-play",
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  // Chromium's sandbox refuses to start as root, and CI runs as root.
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
});
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "not ok"} - ${what}`);
  if (!ok) failures.push(what);
};

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // The copy button writes the clipboard; the test reads it back.
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(options.url).origin });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const cspViolations = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  await page.goto(options.url);
  await page.getByLabel("Access token").fill(options.token);
  await page.getByLabel("Access token").press("Enter");
  await page.getByRole("button", { name: videos.plays, exact: true }).waitFor();

  // Opens the item of `title` from the queue and waits until the player names the node it plays from.
  const openAndPlay = async (title) => {
    await page.getByRole("button", { name: title, exact: true }).click();
    await page.getByRole("heading", { name: /^Item \d+$/ }).waitFor();
    const status = page.locator(".playing-from");
    await status.filter({ hasText: /^Playing from / }).waitFor();
    return (await status.innerText()).trim();
  };
  // The first video is approved on the way, so the queue is recognised by the second.
  const backToQueue = async () => {
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: videos.notFound, exact: true }).waitFor();
  };

  // 1. The first node serves the video: it plays from there, blurred and muted until revealed.
  const first = await openAndPlay(videos.plays);
  check(first === `Playing from ${options.node1}`, `a healthy first node plays the video: "${first}"`);
  const shielded = await page.evaluate(() => {
    const video = document.querySelector(".media video");
    return { muted: video.muted, blurred: getComputedStyle(video).filter.includes("blur") };
  });
  check(shielded.muted && shielded.blurred, `the video starts blurred and muted (${JSON.stringify(shielded)})`);
  await page.keyboard.press("r");
  await page.keyboard.press("p");
  const played = await page.waitForFunction(
    () => {
      const video = document.querySelector(".media video");
      return video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.currentTime > 0.5
        ? { readyState: video.readyState, currentTime: video.currentTime, muted: video.muted }
        : false;
    },
    undefined,
    { timeout: 20_000 },
  );
  const playState = await played.jsonValue();
  check(playState.readyState >= 2 && playState.currentTime > 0.5 && !playState.muted,
        `the video reached HAVE_CURRENT_DATA and its time advances, unmuted once revealed (${JSON.stringify(playState)})`);
  await page.locator(".thumbnail img").waitFor();
  const poster = await page.locator(".thumbnail img").getAttribute("src");
  check(poster?.startsWith(options.node1) ?? false, `the thumbnail comes from the first node too (${poster})`);
  const reports = await page.locator(".source-reports tbody tr").count();
  check(reports === 2, `the latest probe is shown per node (${reports} rows)`);

  // 2. The CSP: media from the nodes plays (above); an image from any other origin is refused.
  const refused = await page.evaluate(async (elsewhere) => {
    const violation = new Promise((resolveViolation) =>
      document.addEventListener("securitypolicyviolation", (event) => resolveViolation(event.blockedURI), { once: true }),
    );
    const image = new Image();
    image.src = new URL("/elsewhere.jpg", elsewhere).href;
    return await Promise.race([violation, new Promise((resolveLate) => setTimeout(() => resolveLate(""), 5000))]);
  }, options.elsewhere);
  const elsewhereOrigin = new URL(options.elsewhere).origin;
  check(refused !== "" && new URL(refused).origin === elsewhereOrigin, `the CSP refuses images from another origin (${refused})`);

  // 3. An evidence note at 0:03, saved with the decision.
  await page.keyboard.press("p");
  await page.evaluate(() => {
    const video = document.querySelector(".media video");
    video.pause();
    video.currentTime = 3;
  });
  await page.waitForFunction(() => Math.floor(document.querySelector(".media video").currentTime) === 3);
  await page.keyboard.press("n");
  const note = page.getByLabel("Note at 0:03");
  await note.waitFor();
  await note.fill("Test pattern at 0:03; nothing against policy.");
  await page.screenshot({ path: join(outDir, "player-01-item.png"), fullPage: true });
  // The note's time seeks: moved away, a click on 0:03 brings the video back there.
  await page.evaluate(() => {
    document.querySelector(".media video").currentTime = 0.5;
  });
  await page.getByRole("button", { name: "Seek to 0:03" }).click();
  await page.waitForFunction(() => Math.floor(document.querySelector(".media video").currentTime) === 3);
  check(true, "a click on the note's time seeks the video there");
  await page.evaluate(() => document.activeElement?.blur());  // out of the note's field: keys are shortcuts again
  await page.keyboard.press("a");
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await page.getByRole("heading", { name: "Decided: approve" }).waitFor();
  check(true, "the approval with its evidence note was accepted");
  await backToQueue();

  // 4. The first node answers 404: the player falls back to the second and says why.
  const second = await openAndPlay(videos.notFound);
  check(second === `Playing from ${options.node2}`, `after a 404 the second node plays: "${second}"`);
  const notFoundFailure = await page.locator(".node-failures li").first().innerText();
  check(notFoundFailure.includes(options.node1), `the screen names the node that failed and why: "${notFoundFailure}"`);
  await page.screenshot({ path: join(outDir, "player-02-fallback-404.png"), fullPage: true });
  await backToQueue();

  // 5. The first node serves truncated bytes: they start playing, and where they end (a decode
  // error) the second node carries on from the same time.
  await page.getByRole("button", { name: videos.truncated, exact: true }).click();
  await page.getByRole("heading", { name: /^Item \d+$/ }).waitFor();
  await page.locator(".playing-from").filter({ hasText: /^Playing from / }).waitFor();
  await page.keyboard.press("p");
  await page
    .locator(".playing-from")
    .filter({ hasText: `Playing from ${options.node2}` })
    .waitFor()
    .catch(() => undefined);
  const third = (await page.locator(".playing-from").innerText()).trim();
  const truncatedFailure = await page
    .locator(".node-failures li")
    .first()
    .innerText()
    .catch(() => "");
  check(third === `Playing from ${options.node2}`, `after truncated bytes the second node plays: "${third}"`);
  check(truncatedFailure.includes(options.node1), `the screen names the node with truncated bytes: "${truncatedFailure}"`);
  const carriedOn = await page
    .waitForFunction(() => document.querySelector(".media video").currentTime > 1.5, undefined, { timeout: 10_000 })
    .then(() => true, () => false);
  check(carriedOn, "the second node carries on playing past where the truncated copy broke");
  await page.screenshot({ path: join(outDir, "player-03-fallback-truncated.png"), fullPage: true });

  // 6. The first node sends half the file and then nothing: what arrived plays, and after 10 s
  // of waiting mid-play the second node carries on from there.
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: videos.stalls, exact: true }).click();
  await page.getByRole("heading", { name: /^Item \d+$/ }).waitFor();
  await page.locator(".playing-from").filter({ hasText: `Playing from ${options.node1}` }).waitFor();
  await page.keyboard.press("p");
  const handedOver = await page
    .locator(".playing-from")
    .filter({ hasText: `Playing from ${options.node2}` })
    .waitFor({ timeout: 30_000 })
    .then(() => true, () => false);
  const stallFailure = await page.locator(".node-failures li").first().innerText().catch(() => "");
  check(handedOver && stallFailure.includes("stopped sending mid-play for 10 s"),
        `a node that stops sending mid-play is given up for the next: "${stallFailure}"`);
  const resumed = await page
    .waitForFunction(() => document.querySelector(".media video").currentTime > 2, undefined, { timeout: 10_000 })
    .then(() => true, () => false);
  check(resumed, "the second node carries on past where the first stopped sending");

  // 7. A whole review with the keyboard alone: claim, open, reveal, play, pause, seek, step a
  // frame, note, choose censor, tick a code, justify, send and copy the chain command.
  const videoState = () =>
    page.evaluate(() => {
      const video = document.querySelector(".media video");
      return { time: video.currentTime, paused: video.paused };
    });
  const focusedIs = (test) => page.evaluate(test);
  // Tab until `test` holds for the focused element (at most 40 presses): how a keyboard user moves.
  const tabTo = async (what, test) => {
    for (let presses = 0; presses < 40; presses++) {
      if (await focusedIs(test)) return true;
      await page.keyboard.press("Tab");
    }
    check(false, `Tab never reached ${what}`);
    return false;
  };
  await page.keyboard.press("Escape");
  await page.getByRole("heading", { name: "Review queue" }).waitFor();
  await page.keyboard.press("c");
  await page.getByRole("status").filter({ hasText: /^Claimed \d+ items?\.$/ }).waitFor();
  await page.keyboard.press("j");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /^Item \d+$/ }).waitFor();
  await page.locator(".playing-from").filter({ hasText: /^Playing from / }).waitFor();
  await page.keyboard.press("r");
  await page.keyboard.press("p");
  const playing = await page
    .waitForFunction(() => document.querySelector(".media video").currentTime > 1, undefined, { timeout: 20_000 })
    .then(() => true, () => false);
  check(playing, "keys: Enter opens the claimed row, r reveals and p plays");
  await page.keyboard.press("p");
  const paused = await videoState();
  await page.keyboard.press("ArrowLeft");
  const back = await videoState();
  await page.keyboard.press(".");
  const stepped = await videoState();
  await page.keyboard.press("ArrowRight");
  const forward = await videoState();
  check(paused.paused && back.time < paused.time && back.time < 0.01 && stepped.time > back.time && stepped.time < 0.1 &&
          forward.time > stepped.time + 2,
        `keys: p pauses, ← seeks back 5 s, . steps a frame, → seeks on (${JSON.stringify({ paused, back, stepped, forward })})`);
  await page.keyboard.press("n");
  await page.getByLabel(/^Note at /).waitFor();
  await page.keyboard.type("A broadcaster's logo throughout.");
  await page.keyboard.press("Tab");  // out of the note: letters are shortcuts again
  await page.keyboard.press("x");
  await page.waitForFunction(() => document.activeElement?.id === "action-x");
  check(await page.getByRole("radio", { name: /^Censor/ }).isChecked(), "x chooses censor and focuses it");
  await page.keyboard.press("Tab");
  const ticked = await focusedIs(() => document.activeElement?.type === "checkbox");
  await page.keyboard.press("Space");
  check(ticked && (await page.locator("fieldset.codes input:checked").count()) === 1, "Tab reaches a policy code and Space ticks it");
  if (await tabTo("the justification", () => document.activeElement?.id === "justification")) {
    await page.keyboard.type("A broadcaster's whole episode, uploaded without a licence.");
  }
  if (await tabTo("the Censor button", () => document.activeElement?.matches("button[type=submit]") &&
                                          document.activeElement.textContent.trim() === "Censor")) {
    await page.keyboard.press("Enter");
  }
  await page.getByRole("heading", { name: "Decided: censor" }).waitFor();
  const command = (await page.locator(".chain-command").innerText()).trim();
  if (await tabTo("Copy the command", () => document.activeElement?.textContent.trim() === "Copy the command")) {
    await page.keyboard.press("Enter");
  }
  await page.getByRole("status").filter({ hasText: "Copied." }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(command.startsWith("joystream-cli content:setVideoVisibilityAsModerator") && copied === command,
        `the censor was sent and its command copied, keys alone (${copied})`);
  await page.screenshot({ path: join(outDir, "player-04-keyboard-censored.png"), fullPage: true });

  check(
    cspViolations.every((text) => text.includes(elsewhereOrigin)),
    `nothing but the deliberate request broke the CSP (${cspViolations.join(" | ")})`,
  );
} catch (error) {
  failures.push(String(error));
  console.log(`not ok - ${error}`);
} finally {
  await browser.close();
}
console.log(failures.length === 0 ? "all passed" : `${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
