// A stand-in for curationd's console listener, for the browser tests: it serves the built
// console (/, /app.js, /app.css) with the headers services/console/console_server.cpp sends,
// keeps cookie sessions the way that file's /console/session/ routes do, and answers
// ReviewService's GetQueueStats, ListItems, ClaimItems, GetItem, ListPolicyCodes and
// DecideItem, and ProbeService's GetVideoSources, over Connect's unary JSON protocol
// from a small queue in memory, the way proto/curation/v1/review.proto describes them; and
// likewise ModerationLogService (a log of 60 entries), AlertService (a firing and a resolved
// incident on the hero) and ReportService (two council terms) as moderation_log.proto,
// alert.proto and report.proto describe them. A second listener, on another port, plays another
// site that tries to use the session; two more play distributor nodes serving thumbnails.
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { deflateSync } from "node:zlib";

// console/media_origins.cpp's ContentSecurityPolicy for a curationd that knows the distributor
// nodes at `mediaOrigins`, so the test sees what a curator's browser enforces.
const contentSecurityPolicyFor = (mediaOrigins) => {
  const sources = mediaOrigins.map((origin) => ` ${origin}`).join("");
  return (
    `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:${sources}; ` +
    `media-src 'self' blob:${sources}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; ` +
    "form-action 'self'"
  );
};

const staticFiles = new Map([
  ["/", { file: "index.html", contentType: "text/html; charset=utf-8" }],
  ["/app.js", { file: "app.js", contentType: "text/javascript; charset=utf-8" }],
  ["/app.css", { file: "app.css", contentType: "text/css; charset=utf-8" }],
]);

// "/curation.v1.<Service>/<Method>".
const servicePrefix = "/curation.v1.";
const sessionPath = "/console/session/";
// Plain HTTP, so the cookie has no __Host- prefix and no Secure flag, as curationd without TLS.
const sessionCookie = "curation_session";
const sessionCookieFlags = "; Path=/; HttpOnly; SameSite=Strict";
const sessionLifetimeSeconds = 43_200;
// auth's kWorkers: the roles that may claim and decide.
const workerRoles = ["curator", "lead"];
const hour = 3_600_000;
const defaultLeaseMs = 10 * 60_000;
const atRiskWindowMs = 6 * hour;

// The JSON field names each request may carry (proto3 canonical JSON, lowerCamelCase): the real
// bridge refuses unknown fields, so a client sending a misspelt field fails here too.
const requestFields = {
  GetQueueStats: [],
  ListItems: [
    "pageSize",
    "pageToken",
    "states",
    "dueBefore",
    "breachedOnly",
    "atRiskOnly",
    "categoryId",
    "channelId",
    "playability",
    "claimedBy",
  ],
  ClaimItems: ["count", "lease"],
  GetItem: ["id"],
  ListPolicyCodes: [],
  DecideItem: ["itemId", "action", "justification", "policyCodes", "note", "censorScope", "requestId", "evidence"],
  GetVideoSources: ["videoId"],
  ListEntries: ["filter", "pageSize", "pageToken"],
  GetEntry: ["id"],
  VerifyLog: ["sinceCheckpoint", "window"],
  ListIncidents: ["states", "pageSize", "pageToken"],
  GetIncident: ["id"],
  AcknowledgeIncident: ["id", "note"],
  ResolveIncident: ["id", "note"],
  ListSlots: ["includeHistory", "historyLimit"],
  SilenceSlot: ["slot", "duration", "reason"],
  ListTerms: [],
  GetReport: ["range", "term", "format"],
};

// The service each method belongs to, for its path.
const serviceOf = {
  ...Object.fromEntries(
    ["GetQueueStats", "ListItems", "ClaimItems", "GetItem", "ListPolicyCodes", "DecideItem"].map((method) => [
      method,
      "ReviewService",
    ]),
  ),
  ...Object.fromEntries(["ListEntries", "GetEntry", "VerifyLog"].map((method) => [method, "ModerationLogService"])),
  ...Object.fromEntries(
    ["ListIncidents", "GetIncident", "AcknowledgeIncident", "ResolveIncident", "ListSlots", "SilenceSlot"].map(
      (method) => [method, "AlertService"],
    ),
  ),
  ListTerms: "ReportService",
  GetReport: "ReportService",
  GetVideoSources: "ProbeService",
};

// review.policy_codes as ListPolicyCodes answers them (lead's table; a few for the test).
const policyCodes = [
  { code: "copyright", action: "ACTION_CENSOR", appliesTo: "any", title: "Infringes copyright" },
  { code: "csam", action: "ACTION_CENSOR", appliesTo: "any", title: "Sexual content involving minors" },
  { code: "spam_channel", action: "ACTION_CENSOR", appliesTo: "channel", title: "A channel that only spams" },
  { code: "metadata", action: "ACTION_WARN", appliesTo: "video", title: "Misleading title or thumbnail" },
];
const minJustificationChars = 20;

/** The title that must stay inert: markup that would run a script, then a right-to-left override. */
export const hostileTitle = "<img src=x onerror=alert(1)>\u202Egpj.exe";

/** Six items not yet decided, due from 2 h ago to 30 h ahead of `nowMs`, in no particular order. */
function makeQueue(nowMs) {
  const video = (id, title, channelTitle, dueInHours, playability, extra = {}) => ({
    id,
    targetKind: "TARGET_KIND_VIDEO",
    targetId: String(id + 9000),
    reason: "ITEM_REASON_NEW_VIDEO",
    title,
    channelId: String(id + 500),
    channelTitle,
    dueMs: nowMs + dueInHours * hour,
    state: "ITEM_STATE_OPEN",
    playability,
    playabilitySummary: playability === "VERDICT_UNPLAYABLE" ? "hevc in mp4 with hev1 tag" : "",
    priority: 0,
    claimedBy: "",
    leaseExpireMs: 0,
    categoryId: "",
    categoryName: "",
    ...extra,
  });
  return [
    video(104, "Cooking with Joy, part 2", "Joy's kitchen", 20, "VERDICT_PLAYABLE", {
      categoryId: "7",
      categoryName: "Food <b>&amp;</b> drink",
    }),
    video(101, hostileTitle, "Totally normal channel", 1, "VERDICT_PLAYABLE"),
    video(106, "A".repeat(600), "Long titles", 26, "VERDICT_UNSPECIFIED"),
    video(102, "Unplayable upload", "Night owls", -2, "VERDICT_UNPLAYABLE", { priority: 1 }),
    video(103, "Mountain timelapse", "\u05E2\u05E8\u05D5\u05E5 \u05D4\u05E8\u05D9\u05DD", 3, "VERDICT_DEGRADED"),
    {
      ...video(105, "", "A channel to look at", 30, "VERDICT_UNSPECIFIED"),
      targetKind: "TARGET_KIND_CHANNEL",
      reason: "ITEM_REASON_NEW_CHANNEL",
      state: "ITEM_STATE_CLAIMED",
      claimedBy: "curator-3",
      leaseExpireMs: nowMs + hour,
    },
  ];
}

// Proto3 JSON leaves out fields at their default value; int64 is a string, Timestamp RFC 3339.
function itemJson(item, nowMs) {
  const json = {
    id: String(item.id),
    targetKind: item.targetKind,
    targetId: item.targetId,
    reason: item.reason,
    channelId: item.channelId,
    uploadTime: new Date(item.dueMs - 36 * hour).toISOString(),
    dueTime: new Date(item.dueMs).toISOString(),
    state: item.state,
    createTime: new Date(item.dueMs - 36 * hour).toISOString(),
  };
  if (item.title !== "") json.title = item.title;
  if (item.channelTitle !== "") json.channelTitle = item.channelTitle;
  if (item.categoryId !== "") json.categoryId = item.categoryId;
  if (item.categoryName !== "") json.categoryName = item.categoryName;
  if (isBreached(item, nowMs)) json.breached = true;
  else if (isAtRisk(item, nowMs)) json.atRisk = true;
  if (item.playability !== "VERDICT_UNSPECIFIED") json.playability = item.playability;
  if (item.playabilitySummary !== "") json.playabilitySummary = item.playabilitySummary;
  if (item.claimedBy !== "") {
    json.claimedBy = item.claimedBy;
    json.leaseExpireTime = new Date(item.leaseExpireMs).toISOString();
  }
  if (item.priority !== 0) json.priority = item.priority;
  return json;
}

/** The justification that must stay inert in the log: markup, then a right-to-left override. */
export const hostileJustification = "<script>alert(2)</script> copied \u202Eelif a";

const hexHash = (text) => createHash("sha256").update(text).digest("hex");
const iso = (ms) => new Date(ms).toISOString();

/**
 * 60 entries, one a minute ending an hour before `nowMs`: approvals by alice and bob, a censor
 * (entry 3) with hostile text confirmed on chain by entry 5, a warn (4), and the lead's revert
 * of the censor (6), each with its snapshot, hashes and chain position, in Connect's JSON.
 */
function makeLog(nowMs) {
  const entries = [];
  let previousHash = "0".repeat(64);
  for (let id = 1; id <= 60; id += 1) {
    const video = String(9000 + id);
    const entry = {
      id: String(id),
      reference: `curation-log#${id}`,
      kind: "ENTRY_KIND_APPROVE",
      actor: id % 2 === 0 ? "bob" : "alice",
      actorRole: "curator",
      actorWorkerId: id % 2 === 0 ? "8" : "7",
      targetKind: "TARGET_KIND_VIDEO",
      targetId: video,
      itemId: String(100 + id),
      snapshot: {
        title: `Upload number ${id}`,
        channelId: "501",
        channelTitle: "Walks",
        categoryId: "7",
        categoryName: "Travel",
        playability: "VERDICT_PLAYABLE",
      },
      recordTime: iso(nowMs - 3_600_000 - (60 - id) * 60_000),
      chainPosition: String(id),
    };
    if (id === 3) {
      Object.assign(entry, {
        kind: "ENTRY_KIND_CENSOR",
        justification: hostileJustification,
        policyCodes: ["copyright"],
        chainStatus: "CHAIN_STATUS_CONFIRMED",
        confirmedByEntryId: "5",
        chainCommand: `joystream-cli content:setVideoVisibilityAsModerator -v ${video} -s HIDDEN -r 'curation-log#3'`,
      });
    } else if (id === 4) {
      Object.assign(entry, {
        kind: "ENTRY_KIND_WARN",
        justification: "The thumbnail is a blank frame; please upload one.",
        policyCodes: ["metadata"],
      });
    } else if (id === 5) {
      Object.assign(entry, {
        kind: "ENTRY_KIND_CHAIN_CONFIRMED",
        actor: "chain",
        actorRole: "",
        actorWorkerId: "-1",
        targetId: "9003",
        confirmsEntryId: "3",
        chainEvent: {
          eventId: "OLYMPIA-200-1",
          block: "200",
          isHidden: true,
          rationale: "curation-log#3 [copyright]",
          actor: "curator 7",
          eventTime: entry.recordTime,
        },
      });
      delete entry.itemId;
      delete entry.snapshot;
    } else if (id === 6) {
      Object.assign(entry, {
        kind: "ENTRY_KIND_REVERT",
        actor: "lena",
        actorRole: "lead",
        actorWorkerId: "-1",
        targetId: "9003",
        revertsEntryId: "3",
        justification: "The uploader showed us the broadcaster's licence.",
        chainStatus: "CHAIN_STATUS_PENDING",
        chainCommand: "joystream-cli content:setVideoVisibilityAsModerator -v 9003 -s VISIBLE -r 'curation-log#6'",
      });
    }
    entry.contentHash = hexHash(`content ${id}`);
    entry.previousHash = previousHash;
    entry.chainHash = hexHash(previousHash + entry.contentHash);
    previousHash = entry.chainHash;
    entries.push(entry);
  }
  return entries;
}

// EntryFilter as moderation_log.proto describes it: every field given must match.
function matchesFilter(entry, filter = {}) {
  const recordMs = Date.parse(entry.recordTime);
  return (
    (filter.startTime === undefined || recordMs >= Date.parse(filter.startTime)) &&
    (filter.endTime === undefined || recordMs < Date.parse(filter.endTime)) &&
    (filter.actor === undefined || entry.actor === filter.actor) &&
    (filter.targetKind === undefined || entry.targetKind === filter.targetKind) &&
    (filter.targetId === undefined || entry.targetId === filter.targetId) &&
    (filter.kinds === undefined || filter.kinds.includes(entry.kind)) &&
    (filter.inChannelId === undefined ||
      entry.snapshot?.channelId === filter.inChannelId ||
      (entry.targetKind === "TARGET_KIND_CHANNEL" && entry.targetId === filter.inChannelId))
  );
}

/** The hero's incident, firing since 20 min ago, and an older one on a category, resolved. */
function makeIncidents(nowMs) {
  return [
    {
      id: "2",
      incidentKey: "hero:77",
      alertname: "HeroVideoUnplayable",
      slot: "hero",
      videoId: "77",
      videoTitle: "Broken cut <b>hero</b>",
      reason: "moov atom at the end: playback cannot start until the whole file is read",
      state: "INCIDENT_STATE_FIRING",
      brokeAt: iso(nowMs - 25 * 60_000),
      openedAt: iso(nowMs - 20 * 60_000),
      deadline: iso(nowMs + 40 * 60_000),
      events: [
        { at: iso(nowMs - 20 * 60_000), kind: "opened", note: "probe: unplayable" },
        { at: iso(nowMs - 19 * 60_000), kind: "paged", note: "curators, step page:0" },
      ],
      notifications: [
        { receiver: "curators", step: "page:0", state: "sent", attempts: 1, lastStatus: 204, createdAt: iso(nowMs - 19 * 60_000) },
      ],
    },
    {
      id: "1",
      incidentKey: "category:7:70",
      alertname: "FeaturedVideoUnplayable",
      slot: "category:7",
      videoId: "70",
      videoTitle: "Old featured video",
      categoryName: "Travel",
      reason: "404 from every distributor",
      state: "INCIDENT_STATE_RESOLVED",
      brokeAt: iso(nowMs - 50 * 3_600_000),
      openedAt: iso(nowMs - 50 * 3_600_000),
      deadline: iso(nowMs - 49 * 3_600_000),
      resolvedAt: iso(nowMs - 49.5 * 3_600_000),
      resolvedBy: "lena",
      resolution: "Another video featured",
      events: [
        { at: iso(nowMs - 50 * 3_600_000), kind: "opened" },
        { at: iso(nowMs - 49.5 * 3_600_000), kind: "resolved", actor: "lena", note: "Another video featured" },
      ],
    },
  ];
}

// PNG's CRC-32 (ISO 3309), over a chunk's type and data.
const crcTable = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit += 1) {
    crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return crc >>> 0;
});
const crc32 = (bytes) => (bytes.reduce((crc, byte) => crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;

/**
 * A real PNG of `width` x `height` (8-bit RGB): `colour`, with a white diagonal so it is not one
 * flat colour. Made here so the browser has to decode what the fake distributors serve.
 */
function makePng(width, height, colour) {
  const chunk = (type, data) => {
    const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([length, typeAndData, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);  // bit depth 8, RGB, deflate, no filter method, no interlace
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);  // each row's filter byte stays 0 (none)
    for (let x = 0; x < width; x += 1) {
      row.set(Math.round((x * height) / width) === y ? [255, 255, 255] : colour, 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// Two distributor nodes serve the bags of videos 9102 to 9104 and 9106, in this order; the
// thumbnails' data objects by video (9106 has no thumbnail on chain). Node A lacks 9103's and
// answers 404, so the console falls back to node B; 9101's bag has no active distributor
// (GetVideoSources says NO_SOURCES). Each node's image has its own size, so a test can tell
// which one the browser decoded.
export const thumbnailObjects = { 9102: "20102", 9103: "20103", 9104: "20104" };
const videosOnNodes = ["9102", "9103", "9104", "9106"];
const videoSourcesDelayMs = 100;
export const distributorNodes = [
  { name: "A", width: 64, height: 36, colour: [40, 90, 160], lacks: ["20103"] },
  { name: "B", width: 48, height: 27, colour: [200, 120, 40], lacks: [] },
];

/**
 * A distributor node as Argus serves assets: GET /api/v1/assets/<object id>, the object's bytes
 * or 404. Records each request's node, path and Referer in `requests`.
 */
function startDistributorNode(node, requests) {
  const image = makePng(node.width, node.height, node.colour);
  const served = new Set(Object.values(thumbnailObjects).filter((objectId) => !node.lacks.includes(objectId)));
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://fake").pathname;
    requests.push({ node: node.name, path, referer: request.headers.referer ?? "" });
    const objectId = path.startsWith("/api/v1/assets/") ? path.slice("/api/v1/assets/".length) : "";
    if (request.method === "GET" && served.has(objectId)) {
      response.writeHead(200, { "Content-Type": "image/png", "Cache-Control": "max-age=3600" }).end(image);
      return;
    }
    response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A 1x1 PNG, the hero's poster on this origin (curationd's page may load images from https: and 'self'). */
export const posterPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

const reportTerms = (nowMs) => [
  { number: "41", startTime: iso(nowMs - 30 * 86_400_000), endTime: iso(nowMs - 9 * 86_400_000) },
  { number: "42", startTime: iso(nowMs - 9 * 86_400_000), endTime: iso(nowMs + 12 * 86_400_000) },
];

/**
 * A report's body in one of report.proto's formats. The HTML is shaped like render_html.cpp's:
 * its own policy and an inline <style>, and here also a script that must not run.
 */
function reportBody(format, term) {
  switch (format) {
    case "REPORT_FORMAT_CSV":
      return { contentType: "text/csv", extension: "csv", text: "date;curator;action\r\n" };
    case "REPORT_FORMAT_JSON":
      return { contentType: "application/json", extension: "json", text: JSON.stringify({ term, summary: { actions: 3 } }) };
    case "REPORT_FORMAT_HTML":
      return {
        contentType: "text/html",
        extension: "html",
        text:
          "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" +
          "<style>th { background: rgb(240, 240, 240); }</style></head><body>" +
          `<h1>Curation report, term ${term}</h1><table><thead><tr><th>Error</th><th>Count</th></tr></thead>` +
          "<tbody><tr><td>Videos decided late or never</td><td>2</td></tr></tbody></table>" +
          "<script>window.parent.reportScriptRan = true;</script></body></html>",
      };
    default:
      return { contentType: "text/markdown", extension: "md", text: `# Curation report, term ${term}\n` };
  }
}

const isBreached = (item, nowMs) => item.dueMs < nowMs;
const isAtRisk = (item, nowMs) => !isBreached(item, nowMs) && item.dueMs - nowMs <= atRiskWindowMs;

// ReviewService's order: earliest due first, raised items first among those due together.
const queueOrder = (a, b) => a.dueMs - b.dueMs || b.priority - a.priority || a.id - b.id;

// The calls only the roles in workerRoles may make (review_grpc_service.cpp's kWorkers).
const workerMethods = ["ClaimItems", "RenewClaims", "ReleaseItems", "DecideItem"];
// The other services' role matrices (alert_grpc_service.cpp, report_grpc_service.cpp).
const rolesOf = {
  AcknowledgeIncident: ["curator", "lead"],
  ResolveIncident: ["lead"],
  SilenceSlot: ["lead"],
  ListTerms: ["council", "lead", "service"],
  GetReport: ["council", "lead", "service"],
};

function connectError(status, code, message) {
  return { status, body: { code, message } };
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
function cookieValue(header, name) {
  for (const pair of (header ?? "").split(";")) {
    const trimmed = pair.trim();
    if (trimmed.startsWith(`${name}=`)) {
      return trimmed.slice(name.length + 1);
    }
  }
  return "";
}

/**
 * Starts the fake on 127.0.0.1 and an ephemeral port, with `principals` ({token, name, role})
 * able to sign in. Returns its `origin`; `otherSitePort`, where a plain page of another site is
 * served; the `calls` it answered ({method, body, principal}); `refused`, the requests its
 * session and origin checks turned away ({path, status, code, origin}); `sessions`, the live
 * sessions by id; the `decisions` made ({itemId, action, chainCommand, justification, ...});
 * `failNext` to make the next call of a method fail with a Connect error; the `log`'s entries,
 * the `incidents` and the `silences` as the services hold them; `breakLogAt` to make VerifyLog
 * find a break; the distributor nodes' `nodeEndpoints` (distributorNodes' order) and the
 * `nodeRequests` they had ({node, path, referer}); `videoSourcesPeak`, the most GetVideoSources
 * calls it answered at once; and `close`.
 */
export async function startFakeCurationd({ distDir, principals }) {
  const files = new Map();
  for (const [path, { file, contentType }] of staticFiles) {
    files.set(path, { body: await readFile(join(distDir, file)), contentType });
  }
  const nodeRequests = [];
  const nodeServers = await Promise.all(distributorNodes.map((node) => startDistributorNode(node, nodeRequests)));
  const nodeOrigins = nodeServers.map((nodeServer) => `http://127.0.0.1:${nodeServer.address().port}`);
  // Each node's root, ending with '/', as GetVideoSources gives it.
  const nodeEndpoints = nodeOrigins.map((origin) => `${origin}/`);
  const contentSecurityPolicy = contentSecurityPolicyFor(nodeOrigins);
  // GetVideoSources calls being answered, and the most at once.
  const videoSources = { inFlight: 0, peak: 0 };
  const startMs = Date.now();
  const queue = makeQueue(startMs);
  const log = makeLog(startMs);
  const incidents = makeIncidents(startMs);
  const terms = reportTerms(startMs);
  const silences = [];
  // The entry VerifyLog reports as the first broken link, when set.
  let brokenEntryId = 0;
  // Where the server listens, for the media URLs it hands out; set once it does.
  let host = "";
  const calls = [];
  const refused = [];
  const decisions = [];
  const failures = new Map();
  // Session id to principal; curationd keeps a hash of the id in its database instead.
  const sessions = new Map();

  const methods = {
    GetQueueStats() {
      const nowMs = Date.now();
      const count = (predicate) => String(queue.filter(predicate).length);
      const oldestDueMs = Math.min(...queue.map((item) => item.dueMs));
      return {
        depth: String(queue.length),
        open: count((item) => item.state === "ITEM_STATE_OPEN"),
        claimed: count((item) => item.state === "ITEM_STATE_CLAIMED"),
        escalated: count((item) => item.state === "ITEM_STATE_ESCALATED"),
        atRisk: count((item) => isAtRisk(item, nowMs)),
        breached: count((item) => isBreached(item, nowMs)),
        medianTimeToDecision: "19800s",
        decidedLast7Days: "42",
        oldestDueTime: new Date(oldestDueMs).toISOString(),
      };
    },
    ListItems(request) {
      const pageSize = request.pageSize ?? 0;
      if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > 1000) {
        return connectError(400, "invalid_argument", "page_size must be 0 to 1000");
      }
      const nowMs = Date.now();
      const states = request.states ?? [];
      const items = [...queue]
        .filter((item) =>
          states.length === 0 ? item.state !== "ITEM_STATE_DECIDED" : states.includes(item.state),
        )
        .filter((item) => !request.atRiskOnly || isAtRisk(item, nowMs))
        .filter((item) => !request.breachedOnly || isBreached(item, nowMs))
        .filter((item) => !request.channelId || item.channelId === request.channelId)
        .filter((item) => !request.categoryId || item.categoryId === request.categoryId)
        .filter((item) => !request.claimedBy || item.claimedBy === request.claimedBy)
        .filter((item) => !request.playability || item.playability === request.playability)
        .sort(queueOrder)
        .slice(0, pageSize === 0 ? 100 : pageSize);
      return { items: items.map((item) => itemJson(item, nowMs)) };
    },
    ClaimItems(request, principal) {
      const count = request.count ?? 0;
      if (!Number.isInteger(count) || count < 1 || count > 100) {
        return connectError(400, "invalid_argument", "count must be 1 to 100");
      }
      const nowMs = Date.now();
      const claimed = [...queue]
        .sort(queueOrder)
        .filter((item) => item.state === "ITEM_STATE_OPEN")
        .slice(0, count);
      for (const item of claimed) {
        item.state = "ITEM_STATE_CLAIMED";
        item.claimedBy = principal.name;
        item.leaseExpireMs = nowMs + defaultLeaseMs;
      }
      return { items: claimed.map((item) => itemJson(item, nowMs)) };
    },
    GetItem(request) {
      const item = queue.find((candidate) => String(candidate.id) === request.id);
      return item ? itemJson(item, Date.now()) : connectError(404, "not_found", `no item ${request.id}`);
    },
    ListPolicyCodes() {
      return { codes: policyCodes };
    },
    DecideItem(request, principal) {
      return decide(request, principal);
    },
    ListEntries(request) {
      const pageSize = request.pageSize || 100;
      if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > 1000) {
        return connectError(400, "invalid_argument", "page_size must be 0 to 1000");
      }
      const offset = Number(request.pageToken ?? "0");
      const matching = log.filter((entry) => matchesFilter(entry, request.filter));
      const page = matching.slice(offset, offset + pageSize);
      const next = offset + pageSize < matching.length ? String(offset + pageSize) : undefined;
      return { entries: page, ...(next === undefined ? {} : { nextPageToken: next }) };
    },
    GetEntry(request) {
      const entry = log.find((candidate) => candidate.id === request.id);
      return entry ?? connectError(404, "not_found", `no entry ${request.id}`);
    },
    // A real verification takes a while on a long log: this one takes 1.5 s, and a window of
    // the chain 0.5 s, so the page's progress can be seen. A window stops after 25 positions, as
    // the real one stops after its own cap.
    async VerifyLog(request) {
      const window = request.window;
      await new Promise((wake) => setTimeout(wake, window ? 500 : 1_500));
      const head = log.length;
      const after = Number(window?.after ?? 0);
      if (window && after > head) {
        return connectError(400, "out_of_range", `the window starts after position ${after}, past the head at ${head}`);
      }
      const end = window ? Math.min(Number(window.upTo ?? 0), head, after + 25) : head;
      if (brokenEntryId !== 0 && (!window || (brokenEntryId > after && brokenEntryId <= end))) {
        return {
          intact: false,
          entriesChecked: String(brokenEntryId - 1),
          headHash: log.at(-1).chainHash,
          brokenEntryId: String(brokenEntryId),
          brokenPosition: String(brokenEntryId),
          problem: `entry ${brokenEntryId}'s content does not hash to its stored content hash <i>edited</i>`,
          headPosition: String(head),
        };
      }
      return {
        intact: true,
        entriesChecked: String(end),
        headHash: log[end - 1].chainHash,
        headPosition: String(head),
        ...(window ? { verifiedFrom: String(after) } : {}),
      };
    },
    ListIncidents(request) {
      const states = request.states ?? [];
      const shown = incidents.filter((incident) => states.length === 0 || states.includes(incident.state));
      return { incidents: shown.map(({ events, notifications, ...listed }) => listed) };
    },
    GetIncident(request) {
      const incident = incidents.find((candidate) => candidate.id === request.id);
      return incident ?? connectError(404, "not_found", `no incident ${request.id}`);
    },
    AcknowledgeIncident(request, principal) {
      const incident = incidents.find((candidate) => candidate.id === request.id);
      if (!incident) {
        return connectError(404, "not_found", `no incident ${request.id}`);
      }
      if (incident.state !== "INCIDENT_STATE_FIRING") {
        return connectError(400, "failed_precondition", `incident ${request.id} is not firing`);
      }
      const at = iso(Date.now());
      Object.assign(incident, { state: "INCIDENT_STATE_ACKNOWLEDGED", acknowledgedAt: at, acknowledgedBy: principal.name });
      incident.events.push({ at, kind: "acknowledged", actor: principal.name, ...(request.note ? { note: request.note } : {}) });
      return incident;
    },
    ResolveIncident(request, principal) {
      const incident = incidents.find((candidate) => candidate.id === request.id);
      if (!incident) {
        return connectError(404, "not_found", `no incident ${request.id}`);
      }
      if (!request.note) {
        return connectError(400, "invalid_argument", "note: say what was done");
      }
      const at = iso(Date.now());
      Object.assign(incident, { state: "INCIDENT_STATE_RESOLVED", resolvedAt: at, resolvedBy: principal.name, resolution: request.note });
      incident.events.push({ at, kind: "resolved", actor: principal.name, note: request.note });
      return incident;
    },
    ListSlots() {
      const silence = silences.findLast((candidate) => candidate.slot === "hero");
      return {
        slots: [
          {
            slot: "hero",
            videoId: "77",
            videoTitle: "Broken cut <b>hero</b>",
            heroTitle: "Hero",
            cutUrl: `http://${host}/media/cut.mp4`,
            posterUrl: `http://${host}/media/poster.png`,
            featuredFrom: iso(startMs - 30 * 60_000),
            verdict: "VERDICT_UNPLAYABLE",
            reason: "moov atom at the end",
            lastProbeAt: iso(startMs - 60_000),
            nextProbeAt: iso(startMs + 4 * 60_000),
            openIncidentId: incidents[0].state === "INCIDENT_STATE_RESOLVED" ? undefined : "2",
            ...(silence ? { silencedUntil: silence.until, silenceReason: silence.reason } : {}),
          },
        ],
        lastPollAt: iso(startMs - 30_000),
        lastProbeAt: iso(startMs - 60_000),
      };
    },
    SilenceSlot(request, principal) {
      const seconds = Number.parseInt(request.duration ?? "", 10);
      if (!(seconds > 0 && seconds <= 7 * 86_400) || !request.reason) {
        return connectError(400, "invalid_argument", "duration: up to 7 days; reason: required");
      }
      const silence = { slot: request.slot, until: iso(Date.now() + seconds * 1000), reason: request.reason, createdBy: principal.name };
      silences.push(silence);
      return silence;
    },
    ListTerms() {
      return { terms };
    },
    GetReport(request) {
      const term = request.term ?? "0";
      if (request.term !== undefined && !terms.some((known) => known.number === request.term)) {
        return connectError(404, "not_found", `no term ${request.term} in report.terms`);
      }
      const format = request.format ?? "REPORT_FORMAT_UNSPECIFIED";
      const { contentType, extension, text } = reportBody(format, term);
      return {
        term,
        format,
        contentType,
        fileName: `curation-report-term-${term}.${extension}`,
        body: Buffer.from(text).toString("base64"),
        summary: { lateVideos: "2", logIntact: true, actions: "3", uploads: "60", errorCounts: ["2", "0", "0", "0"] },
      };
    },
    // The thumbnails only: the sources carry no media URL, so the item screen plays nothing (the
    // player is tested against the real curationd and fake distributors, real_player.mjs). Each
    // answer takes a little while, as the real one reads the chain, so calls overlap.
    async GetVideoSources(request) {
      videoSources.inFlight += 1;
      videoSources.peak = Math.max(videoSources.peak, videoSources.inFlight);
      await new Promise((wake) => setTimeout(wake, videoSourcesDelayMs));
      videoSources.inFlight -= 1;
      if (videosOnNodes.includes(request.videoId)) {
        const objectId = thumbnailObjects[request.videoId];
        return {
          videoId: request.videoId,
          bagId: "dynamic:channel:2",
          sources: nodeEndpoints.map((nodeEndpoint, index) => ({
            bucketId: `0:${index}`,
            workerId: String(index + 1),
            nodeEndpoint,
            ...(objectId === undefined ? {} : { thumbnailUrl: `${nodeEndpoint}api/v1/assets/${objectId}` }),
          })),
        };
      }
      return {
        videoId: request.videoId,
        bagId: "dynamic:channel:1",
        findings: [
          {
            code: "NO_SOURCES",
            severity: "SEVERITY_FAILURE",
            message: "no active distributor serves the video's bag dynamic:channel:1",
          },
        ],
      };
    },
  };

  let lastEntryId = 1000;
  // review_service.cpp's DecideItem in short: the lease holder (or the lead) decides; warn and
  // censor need a justification and a code of their action; escalate needs a note.
  const decide = (request, principal) => {
    const item = queue.find((candidate) => String(candidate.id) === request.itemId);
    if (!item) {
      return connectError(404, "not_found", `no item ${request.itemId}`);
    }
    const action = request.action ?? "ACTION_UNSPECIFIED";
    if (!["ACTION_APPROVE", "ACTION_WARN", "ACTION_CENSOR", "ACTION_ESCALATE"].includes(action)) {
      return connectError(400, "invalid_argument", "action: approve, warn, censor or escalate");
    }
    if (item.state === "ITEM_STATE_DECIDED") {
      return connectError(400, "failed_precondition", "the item is already decided");
    }
    if (principal.role !== "lead" && !(item.state === "ITEM_STATE_CLAIMED" && item.claimedBy === principal.name)) {
      return connectError(400, "failed_precondition", `${principal.name} does not hold the item's lease`);
    }
    const justification = Buffer.from(request.justification ?? "", "base64").toString("utf8");
    const note = Buffer.from(request.note ?? "", "base64").toString("utf8");
    const codes = request.policyCodes ?? [];
    const cites = action === "ACTION_WARN" || action === "ACTION_CENSOR";
    if (cites) {
      if (justification === "") {
        return connectError(400, "invalid_argument", "justification is required");
      }
      if (justification.replace(/\s+/g, " ").trim().length < minJustificationChars) {
        return connectError(400, "invalid_argument",
          `justification is too short: say in at least ${minJustificationChars} visible characters what breaks the policy and where`);
      }
      if (!codes.some((code) => policyCodes.some((known) => known.code === code && known.action === action))) {
        return connectError(400, "invalid_argument", "policy_codes: cite a code of this action");
      }
    } else if (codes.length > 0) {
      return connectError(400, "invalid_argument", "policy_codes: only a warn or a censor cites codes");
    }
    if (action === "ACTION_ESCALATE" && note.trim() === "") {
      return connectError(400, "invalid_argument", "note is required");
    }
    lastEntryId += 1;
    const nowMs = Date.now();
    item.state = action === "ACTION_ESCALATE" ? "ITEM_STATE_ESCALATED" : "ITEM_STATE_DECIDED";
    const reference = `curation-log#${lastEntryId}`;
    const channelWide = request.censorScope === "CENSOR_SCOPE_CHANNEL" || item.targetKind === "TARGET_KIND_CHANNEL";
    const decision = {
      itemId: String(item.id),
      action,
      entryId: String(lastEntryId),
      entryReference: reference,
      decideTime: new Date(nowMs).toISOString(),
      decidedBy: principal.name,
    };
    if (action === "ACTION_CENSOR") {
      const rationale = `${reference} [${codes.join(",")}]: ${justification.replace(/\s+/g, " ")}`;
      decision.chainCommand =
        `joystream-cli ${channelWide ? "content:setChannelVisibilityAsModerator -c " + item.channelId : "content:setVideoVisibilityAsModerator -v " + item.targetId}` +
        ` -s HIDDEN -r '${rationale.replaceAll("'", "'\\''")}'`;
    }
    decisions.push({ ...decision, justification, note, policyCodes: codes, evidence: request.evidence ?? [] });
    return decision;
  };

  const refuse = (path, headers, status, code, message) => {
    refused.push({ path, status, code, origin: headers.origin ?? "" });
    return connectError(status, code, message);
  };

  // console_server.cpp's session_of: the session id in the cookie, when the request is this
  // site's own (its Origin, and Connect's header, which no form or simple request can send).
  const sessionOf = (path, headers) => {
    const id = cookieValue(headers.cookie, sessionCookie);
    if (id === "") {
      return { error: refuse(path, headers, 401, "unauthenticated", "not signed in") };
    }
    if (headers.origin !== `http://${headers.host}`) {
      const why = "a call with the session cookie must come from this site's own pages (Origin)";
      return { error: refuse(path, headers, 403, "permission_denied", why) };
    }
    if (headers["connect-protocol-version"] !== "1") {
      const why = "a call with the session cookie needs the header Connect-Protocol-Version: 1";
      return { error: refuse(path, headers, 403, "permission_denied", why) };
    }
    return { id };
  };

  const sessionEnded = (path, headers) =>
    refuse(
      path,
      headers,
      401,
      "unauthenticated",
      "the session has ended (signed out, idle or old, or its principal revoked): sign in again",
    );

  const startSession = (path, headers, rawBody) => {
    if (headers.origin !== `http://${headers.host}`) {
      return refuse(path, headers, 403, "permission_denied", "sign in from this site's own page (Origin)");
    }
    let body;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    if (typeof body?.token !== "string") {
      return connectError(400, "invalid_argument", 'the body is {"token": "<your token>"}');
    }
    const principal = principals.find((candidate) => candidate.token === body.token);
    if (!principal) {
      const why =
        "unknown or revoked token: check --token-file or CURATION_TOKEN, or ask the lead for a new token";
      return refuse(path, headers, 401, "unauthenticated", why);
    }
    const id = `ses_${randomBytes(24).toString("base64url")}`;
    sessions.set(id, principal);
    return {
      status: 200,
      body: { name: principal.name, role: principal.role },
      cookie: `${sessionCookie}=${id}${sessionCookieFlags}; Max-Age=${sessionLifetimeSeconds}`,
    };
  };

  const answerSession = (what, headers, rawBody) => {
    const path = `${sessionPath}${what}`;
    if (what === "start") {
      return startSession(path, headers, rawBody);
    }
    if (what !== "current" && what !== "end") {
      return connectError(404, "not_found", `no procedure ${path}`);
    }
    const session = sessionOf(path, headers);
    if (session.error) {
      return session.error;
    }
    const principal = sessions.get(session.id);
    if (!principal) {
      return sessionEnded(path, headers);
    }
    if (what === "current") {
      return { status: 200, body: { name: principal.name, role: principal.role } };
    }
    sessions.delete(session.id);
    return { status: 200, body: {}, cookie: `${sessionCookie}=${sessionCookieFlags}; Max-Age=0` };
  };

  // Who makes a Connect call: the bearer token's principal, or the session cookie's as above.
  const callerOf = (path, headers) => {
    if (headers.authorization !== undefined) {
      const principal = principals.find(
        (candidate) => headers.authorization === `Bearer ${candidate.token}`,
      );
      return principal
        ? { principal }
        : { error: refuse(path, headers, 401, "unauthenticated", "unknown or revoked token") };
    }
    const session = sessionOf(path, headers);
    if (session.error) {
      return session;
    }
    const principal = sessions.get(session.id);
    return principal ? { principal } : { error: sessionEnded(path, headers) };
  };

  const answerCall = async (procedure, headers, rawBody) => {
    const path = `${servicePrefix}${procedure}`;
    const [service, method] = procedure.split("/");
    const caller = callerOf(path, headers);
    if (caller.error) {
      return caller.error;
    }
    const { principal } = caller;
    if (!(method in methods) || serviceOf[method] !== service) {
      return connectError(404, "unimplemented", `no procedure ${path}`);
    }
    if (headers["content-type"] !== "application/json") {
      return connectError(415, "unknown", "this fake takes application/json only");
    }
    if (headers["connect-protocol-version"] !== "1") {
      return connectError(400, "invalid_argument", "missing Connect-Protocol-Version: 1");
    }
    const allowed = workerMethods.includes(method) ? workerRoles : rolesOf[method];
    if (allowed !== undefined && !allowed.includes(principal.role)) {
      return connectError(403, "permission_denied", `the ${principal.role} role may not call ${method}`);
    }
    let body;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return connectError(400, "invalid_argument", "the body is not JSON");
    }
    const unknown = Object.keys(body).filter((field) => !requestFields[method].includes(field));
    if (unknown.length > 0) {
      return connectError(400, "invalid_argument", `unknown fields: ${unknown.join(", ")}`);
    }
    calls.push({ method, body, principal: principal.name });
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      return connectError(failure.status, failure.code, failure.message);
    }
    const answer = await methods[method](body, principal);
    return "status" in answer ? answer : { status: 200, body: answer };
  };

  const server = createServer((request, response) => {
    response.setHeader("Content-Security-Policy", contentSecurityPolicy);
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "no-referrer");
    response.setHeader("Cache-Control", "no-store");
    const path = new URL(request.url, "http://fake").pathname;

    if (request.method === "GET" && files.has(path)) {
      const { body, contentType } = files.get(path);
      response.writeHead(200, { "Content-Type": contentType }).end(body);
      return;
    }
    if (request.method === "GET" && path === "/media/poster.png") {
      response.writeHead(200, { "Content-Type": "image/png" }).end(posterPng);
      return;
    }
    if (request.method !== "POST" || !(path.startsWith(servicePrefix) || path.startsWith(sessionPath))) {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", async () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const { status, body, cookie } = path.startsWith(sessionPath)
        ? answerSession(path.slice(sessionPath.length), request.headers, rawBody)
        : await answerCall(path.slice(servicePrefix.length), request.headers, rawBody);
      if (cookie) {
        response.setHeader("Set-Cookie", cookie);
      }
      response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
  });

  // Another site: one empty page, from which a test makes requests to the console's origin.
  const otherSite = createServer((request, response) => {
    response
      .writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      .end("<!doctype html><html lang=en><title>Another site</title><p>Nothing to see here.</p>");
  });

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  await new Promise((resolve) => otherSite.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${server.address().port}`;
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    otherSitePort: otherSite.address().port,
    nodeEndpoints,
    nodeRequests,
    /** The most GetVideoSources calls the fake was answering at once. */
    videoSourcesPeak: () => videoSources.peak,
    calls,
    refused,
    decisions,
    sessions,
    failNext(method, { status, code, message }) {
      failures.set(method, { status, code, message });
    },
    log,
    incidents,
    silences,
    /** From now on VerifyLog finds the chain broken at entry `id` (0: intact again). */
    breakLogAt(id) {
      brokenEntryId = id;
    },
    close: () =>
      Promise.all([
        new Promise((resolve) => server.close(resolve)),
        new Promise((resolve) => otherSite.close(resolve)),
        ...nodeServers.map((nodeServer) => new Promise((resolve) => nodeServer.close(resolve))),
      ]),
  };
}
