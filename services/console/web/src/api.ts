// The console's client of curationd's Connect API (services/console/connect_bridge.cpp): the
// generated ReviewService over JSON, on the origin that served the page.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ReviewService } from "../gen/curation/v1/review_pb";
import { clip, neutralise } from "./untrusted_text";

export type ReviewClient = Client<typeof ReviewService>;

// Long enough for a slow database, short enough that a hung call shows up as an error.
const callTimeoutMs = 15_000;

/**
 * A client of the review service that sends `token` as a bearer token with every call.
 *
 * The token lives only in this closure, for as long as the client does: never in storage, the
 * URL or a log, so closing the tab or signing out forgets it. It is a stopgap: curationd will
 * set an HttpOnly session cookie at sign-in, the browser will send that cookie by itself, and
 * this function will lose its token parameter and the Authorization header.
 */
export function createReviewClient(token: string): ReviewClient {
  const sendBearerToken: Interceptor = (next) => (request) => {
    request.header.set("Authorization", `Bearer ${token}`);
    return next(request);
  };
  const transport = createConnectTransport({
    baseUrl: window.location.origin,
    useBinaryFormat: false,
    interceptors: [sendBearerToken],
    defaultTimeoutMs: callTimeoutMs,
  });
  return createClient(ReviewService, transport);
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
