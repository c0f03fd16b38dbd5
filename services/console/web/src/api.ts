// The console's client of curationd's console listener (services/console/console_server.cpp):
// the session calls under /console/session/, and the generated services (review, moderation
// log, alerts, reports) over Connect's JSON protocol, all on the origin that served the page
// and authenticated by the session cookie.
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AlertService } from "../gen/curation/v1/alert_pb";
import { ModerationLogService } from "../gen/curation/v1/moderation_log_pb";
import { ProbeService } from "../gen/curation/v1/probe_pb";
import { ReportService } from "../gen/curation/v1/report_pb";
import { ReviewService } from "../gen/curation/v1/review_pb";
import { clip, neutralise } from "./untrusted_text";

export type ReviewClient = Client<typeof ReviewService>;
export type LogClient = Client<typeof ModerationLogService>;
export type AlertClient = Client<typeof AlertService>;
export type ProbeClient = Client<typeof ProbeService>;
export type ReportClient = Client<typeof ReportService>;

// Long enough for a slow database, short enough that a hung call shows up as an error.
const callTimeoutMs = 15_000;

// The browser sends the HttpOnly session cookie by itself to this origin, and only to it
// ("same-origin" is fetch's default; said here so nobody widens it to "include"). Nothing on
// the page can read the cookie, and no Authorization header is set.
const sameOriginFetch: typeof globalThis.fetch = (input, init) =>
  globalThis.fetch(input, { ...init, credentials: "same-origin" });

/**
 * A client of one of curationd's services on this origin. The session cookie authenticates
 * every call; connect-web sends `Connect-Protocol-Version: 1`, which curationd requires of a
 * call with the cookie (with the page's Origin), so another site's form or simple request
 * cannot make one.
 */
function createConsoleClient<Service extends DescService>(service: Service): Client<Service> {
  const transport = createConnectTransport({
    baseUrl: window.location.origin,
    useBinaryFormat: false,
    fetch: sameOriginFetch,
    defaultTimeoutMs: callTimeoutMs,
  });
  return createClient(service, transport);
}

/** The clients of every service the console uses; none holds a token or session id. */
export interface ConsoleClients {
  review: ReviewClient;
  log: LogClient;
  alerts: AlertClient;
  reports: ReportClient;
  probe: ProbeClient;
}

export function createConsoleClients(): ConsoleClients {
  return {
    review: createConsoleClient(ReviewService),
    log: createConsoleClient(ModerationLogService),
    alerts: createConsoleClient(AlertService),
    reports: createConsoleClient(ReportService),
    probe: createConsoleClient(ProbeService),
  };
}

/** curationd's roles (auth's role table); a role this build does not know may only read. */
export type Role = "curator" | "lead" | "council" | "service";

/** Who the session belongs to, as /console/session/start and /current answer. */
export interface SessionPrincipal {
  name: string;
  role: Role | "unknown";
}

/** Whether `principal` may claim and decide items (ReviewService's kWorkers). */
export function mayWork(principal: SessionPrincipal): boolean {
  return principal.role === "curator" || principal.role === "lead";
}

/** Whether `principal` may acknowledge an incident (AlertService's kResponders: the on-call). */
export function mayAcknowledgeIncidents(principal: SessionPrincipal): boolean {
  return principal.role === "curator" || principal.role === "lead";
}

/** Whether `principal` may resolve incidents by hand and silence slots (AlertService's kLead). */
export function mayResolveAndSilence(principal: SessionPrincipal): boolean {
  return principal.role === "lead";
}

/** Whether `principal` may read the council's report (ReportService's kReaders). */
export function mayReadReports(principal: SessionPrincipal): boolean {
  return principal.role === "council" || principal.role === "lead" || principal.role === "service";
}

/**
 * Trades an access token for a session: curationd answers with the principal and sets the
 * HttpOnly session cookie. The token goes in this one request body and nowhere else; the
 * caller drops it as soon as this is called.
 */
export async function startSession(token: string): Promise<SessionPrincipal> {
  return principalOf(await postSession("start", { token }));
}

/** The session the cookie names, if it is still alive (a 401 ConnectError when not). */
export async function currentSession(signal?: AbortSignal): Promise<SessionPrincipal> {
  return principalOf(await postSession("current", {}, signal));
}

/** Ends the session on the server, which also clears the cookie. */
export async function endSession(): Promise<void> {
  await postSession("end", {});
}

async function postSession(what: string, body: object, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await globalThis.fetch(`/console/session/${what}`, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1" },
      body: JSON.stringify(body),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(callTimeoutMs)])
        : AbortSignal.timeout(callTimeoutMs),
    });
  } catch (fetchError) {
    if (signal?.aborted) {
      throw new ConnectError("the page went away", Code.Canceled);
    }
    throw new ConnectError(`curationd did not answer: ${String(fetchError)}`, Code.Unavailable);
  }
  const answer: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw sessionError(response.status, answer);
  }
  return answer;
}

function principalOf(answer: unknown): SessionPrincipal {
  if (typeof answer !== "object" || answer === null) {
    throw new ConnectError("curationd's answer is not a principal", Code.Internal);
  }
  const { name, role } = answer as { name?: unknown; role?: unknown };
  if (typeof name !== "string") {
    throw new ConnectError("curationd's answer has no principal name", Code.Internal);
  }
  const known: Role[] = ["curator", "lead", "council", "service"];
  return { name, role: known.find((knownRole) => knownRole === role) ?? "unknown" };
}

// Connect's error codes by their snake_case names, the way curationd writes them in a body.
const codesByName = new Map<string, Code>(
  Object.entries(Code)
    .filter((entry): entry is [string, Code] => typeof entry[1] === "number")
    .map(([name, code]) => [name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase(), code]),
);

// When the body says nothing usable: Connect's own table from HTTP status to code.
function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

function sessionError(status: number, body: unknown): ConnectError {
  const { code, message } = (typeof body === "object" && body !== null ? body : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return new ConnectError(
    typeof message === "string" ? message : `HTTP ${status}`,
    (typeof code === "string" ? codesByName.get(code) : undefined) ?? codeOfHttpStatus(status),
  );
}

// An error message may quote what a caller or a stranger wrote; it is treated like on-chain text.
const maxErrorCodePoints = 500;

/** A failed call as a person reads it: the Connect code in words, then the server's message. */
export function describeCallError(error: unknown): string {
  const connectError = ConnectError.from(error);
  const codeInWords = Code[connectError.code]
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  const message = clip(neutralise(connectError.rawMessage), maxErrorCodePoints) || "no message";
  return `${codeInWords.charAt(0).toUpperCase()}${codeInWords.slice(1)}: ${message}`;
}

export function isUnauthenticated(error: unknown): boolean {
  return ConnectError.from(error).code === Code.Unauthenticated;
}

/** True for the calls this page aborted itself (it went away); those are not errors to show. */
export function isCanceled(error: unknown): boolean {
  return ConnectError.from(error).code === Code.Canceled;
}
