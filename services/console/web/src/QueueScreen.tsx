import { timestampDate, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ItemState, type Item, type QueueStats } from "../gen/curation/v1/review_pb";
import {
  describeCallError,
  endSession,
  isCanceled,
  isUnauthenticated,
  mayWork,
  type ReviewClient,
  type SessionPrincipal,
} from "./api";
import { describeDue, itemStateLabels, verdictBadgeClasses, verdictLabels } from "./labels";
import { clip, neutralise } from "./untrusted_text";
import { UntrustedText } from "./UntrustedText";

// Two small calls per curator every 15 s: others' claims show up soon, at little cost to the server.
const refreshIntervalMs = 15_000;
const pageSize = 100;
// ClaimItemsRequest.count accepts 1 to 100.
const minClaimCount = 1;
const maxClaimCount = 100;
const defaultClaimCount = 5;
const claimShortcutKey = "c";
// The prober's summary quotes what the media said about itself (tags, codec names).
const maxSummaryCodePoints = 300;

interface QueueScreenProps {
  client: ReviewClient;
  /** Who is signed in; a council member or a service may look but not claim. */
  principal: SessionPrincipal;
  /** The curator signed out and curationd ended the session. */
  onSignedOut: () => void;
  /** The server no longer accepts the session; `message` says why. */
  onSessionEnded: (message: string) => void;
}

/**
 * The review queue: its counts (GetQueueStats), the first page of items not yet decided in the
 * server's order (ListItems: earliest due first), refreshed every 15 s, and claiming the next N
 * (ClaimItems) with a button or the key "c" for those whose role may claim.
 */
export function QueueScreen({ client, principal, onSignedOut, onSessionEnded }: QueueScreenProps) {
  const mayClaim = mayWork(principal);
  const [stats, setStats] = useState<QueueStats | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [morePages, setMorePages] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [claimCount, setClaimCount] = useState(defaultClaimCount);
  const [claiming, setClaiming] = useState(false);
  // The key can repeat a claim before the disabled button has re-rendered; this cannot.
  const claimInFlight = useRef(false);
  const nowMs = useNowMs();
  const heading = useRef<HTMLHeadingElement>(null);
  // Aborted when the screen goes away, which cancels the calls it still has in flight.
  const lifetime = useRef(new AbortController());
  const refreshState = useRef({ inFlight: false, requestedAgain: false });

  const showCallError = useCallback(
    (callError: unknown) => {
      if (isCanceled(callError)) {
        return;
      }
      if (isUnauthenticated(callError)) {
        onSessionEnded(describeCallError(callError));
        return;
      }
      setError(describeCallError(callError));
    },
    [onSessionEnded],
  );

  // One refresh at a time; one asked for meanwhile (after a claim) runs right after, so the
  // table never ends on an answer older than the claim.
  const refresh = useCallback(async () => {
    const state = refreshState.current;
    if (state.inFlight) {
      state.requestedAgain = true;
      return;
    }
    state.inFlight = true;
    do {
      state.requestedAgain = false;
      const signal = lifetime.current.signal;
      try {
        const [latestStats, page] = await Promise.all([
          client.getQueueStats({}, { signal }),
          client.listItems({ pageSize }, { signal }),
        ]);
        setStats(latestStats);
        setItems(page.items);
        setMorePages(page.nextPageToken !== "");
        setUpdatedAt(new Date());
        setError("");
      } catch (callError) {
        showCallError(callError);
      }
    } while (state.requestedAgain && !lifetime.current.signal.aborted);
    state.inFlight = false;
  }, [client, showCallError]);

  const signOut = useCallback(async () => {
    try {
      await endSession();
      onSignedOut();
    } catch (callError) {
      // Already ended on the server: signed out all the same.
      if (isUnauthenticated(callError)) {
        onSignedOut();
        return;
      }
      setError(`Still signed in. ${describeCallError(callError)}`);
    }
  }, [onSignedOut]);

  const claim = useCallback(async () => {
    if (claimInFlight.current || !mayClaim) {
      return;
    }
    claimInFlight.current = true;
    setClaiming(true);
    setNotice("");
    try {
      const response = await client.claimItems(
        { count: claimCount },
        { signal: lifetime.current.signal },
      );
      const claimed = response.items.length;
      setNotice(
        claimed === 0
          ? "Nothing left to claim."
          : `Claimed ${claimed} item${claimed === 1 ? "" : "s"}.`,
      );
      setError("");
      void refresh();
    } catch (callError) {
      showCallError(callError);
    } finally {
      claimInFlight.current = false;
      setClaiming(false);
    }
  }, [client, claimCount, mayClaim, refresh, showCallError]);

  useEffect(() => {
    const screenLifetime = lifetime.current;
    heading.current?.focus();
    return () => screenLifetime.abort();
  }, []);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), refreshIntervalMs);
    return () => window.clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (
        event.key !== claimShortcutKey ||
        event.repeat ||
        event.ctrlKey ||
        event.metaKey ||
        event.altKey ||
        isTypingInto(event.target)
      ) {
        return;
      }
      event.preventDefault();
      void claim();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [claim]);

  const onClaimCountInput = (event: Event) => {
    const value = Number.parseInt((event.currentTarget as HTMLInputElement).value, 10);
    if (Number.isInteger(value)) {
      setClaimCount(Math.min(maxClaimCount, Math.max(minClaimCount, value)));
    }
  };

  return (
    <div class="queue-screen">
      <header class="top-bar">
        <h1 ref={heading} tabIndex={-1}>
          Review queue
        </h1>
        <p class="updated">
          {updatedAt === null
            ? "Loading\u2026"
            : `Updated ${updatedAt.toLocaleTimeString()}, again every ${refreshIntervalMs / 1000} s`}
        </p>
        <button type="button" onClick={() => void refresh()}>
          Refresh now
        </button>
        <p class="who">
          Signed in as <UntrustedText text={principal.name} maxCodePoints={60} placeholder="" />{" "}
          <span class="role">({principal.role})</span>
        </p>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <QueueCounts stats={stats} nowMs={nowMs} />
        {mayClaim && (
          <form
            class="claim"
            onSubmit={(event) => {
              event.preventDefault();
              void claim();
            }}
          >
            <label for="claim-count">Items to claim</label>
            <input
              id="claim-count"
              type="number"
              min={minClaimCount}
              max={maxClaimCount}
              value={claimCount}
              onInput={onClaimCountInput}
            />
            <button type="submit" disabled={claiming} aria-keyshortcuts={claimShortcutKey}>
              Claim next {claimCount} <kbd>{claimShortcutKey}</kbd>
            </button>
          </form>
        )}
        <p role="status" class="notice">
          {notice}
        </p>
        <p role="alert" class="error">
          {error}
        </p>
        <QueueTable items={items} nowMs={nowMs} />
        {morePages && (
          <p class="help">
            Showing the first {pageSize} items; the counts above cover the whole queue.
          </p>
        )}
      </main>
    </div>
  );
}

/** Milliseconds since the epoch, updated every second so countdowns move. */
function useNowMs(): number {
  const [nowMs, setNowMs] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNowMs(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return nowMs;
}

/** Keys typed into a field are text, not shortcuts. */
function isTypingInto(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement)
  );
}

function QueueCounts({ stats, nowMs }: { stats: QueueStats | null; nowMs: number }) {
  const count = (value: bigint | undefined) => (value === undefined ? "\u2026" : value.toString());
  return (
    <section aria-labelledby="counts-heading">
      <h2 id="counts-heading" class="visually-hidden">
        Queue counts
      </h2>
      <dl class="counts">
        <div>
          <dt>Open</dt>
          <dd>{count(stats?.open)}</dd>
        </div>
        <div>
          <dt>Claimed</dt>
          <dd>{count(stats?.claimed)}</dd>
        </div>
        <div>
          <dt>Escalated</dt>
          <dd>{count(stats?.escalated)}</dd>
        </div>
        <div class={stats !== null && stats.atRisk > 0n ? "count-at-risk" : undefined}>
          <dt>At risk</dt>
          <dd>{count(stats?.atRisk)}</dd>
        </div>
        <div class={stats !== null && stats.breached > 0n ? "count-breached" : undefined}>
          <dt>Breached</dt>
          <dd>{count(stats?.breached)}</dd>
        </div>
        <div>
          <dt>Oldest due</dt>
          <dd>
            {stats === null ? (
              "\u2026"
            ) : stats.oldestDueTime === undefined ? (
              "none"
            ) : (
              <DueTime due={stats.oldestDueTime} nowMs={nowMs} />
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function QueueTable({ items, nowMs }: { items: Item[]; nowMs: number }) {
  return (
    <table class="queue">
      <caption>Items not yet decided, earliest due first</caption>
      <thead>
        <tr>
          <th scope="col">Title</th>
          <th scope="col">Channel</th>
          <th scope="col">State</th>
          <th scope="col">Playability</th>
          <th scope="col">Due</th>
        </tr>
      </thead>
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td colSpan={5} class="placeholder">
              Nothing waiting for review.
            </td>
          </tr>
        ) : (
          items.map((item) => <QueueRow key={item.id.toString()} item={item} nowMs={nowMs} />)
        )}
      </tbody>
    </table>
  );
}

function QueueRow({ item, nowMs }: { item: Item; nowMs: number }) {
  const rowClass = item.breached ? "breached" : item.atRisk ? "at-risk" : undefined;
  return (
    <tr class={rowClass}>
      <td class="title">
        <UntrustedText text={item.title} maxCodePoints={120} placeholder="(no title)" />
      </td>
      <td class="channel">
        <UntrustedText text={item.channelTitle} maxCodePoints={60} placeholder="(no name)" />
      </td>
      <td>
        {itemStateLabels[item.state]}
        {item.state === ItemState.CLAIMED && item.claimedBy !== "" && (
          <>
            {" by "}
            <UntrustedText text={item.claimedBy} maxCodePoints={40} placeholder="" />
          </>
        )}
      </td>
      <td>
        <span
          class={verdictBadgeClasses[item.playability]}
          title={
            item.playabilitySummary === ""
              ? undefined
              : clip(neutralise(item.playabilitySummary), maxSummaryCodePoints)
          }
        >
          {verdictLabels[item.playability]}
        </span>
      </td>
      <td class="due">
        {item.dueTime === undefined ? "\u2014" : <DueTime due={item.dueTime} nowMs={nowMs} />}
        {item.breached ? (
          <span class="flag flag-breached">Breached</span>
        ) : (
          item.atRisk && <span class="flag flag-at-risk">At risk</span>
        )}
      </td>
    </tr>
  );
}

/** A countdown to `due`, with the exact local time as its tooltip. */
function DueTime({ due, nowMs }: { due: Timestamp; nowMs: number }) {
  const dueDate = timestampDate(due);
  return (
    <time dateTime={dueDate.toISOString()} title={dueDate.toLocaleString()}>
      {describeDue(timestampMs(due), nowMs)}
    </time>
  );
}
