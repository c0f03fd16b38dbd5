import type { Ref } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ItemState, TargetKind, type Item, type QueueStats } from "../gen/curation/v1/review_pb";
import { mayWork, type ReviewClient } from "./api";
import { ColumnHeads } from "./ColumnHeads";
import { DueTime, useNowMs } from "./DueTime";
import { submitted } from "./forms";
import type { KeyBinding } from "./KeyHelp";
import { moveFocus, shortcutOf } from "./keyboard";
import { isFiltered, listRequestOf, QueueFilters, type QueueFilter } from "./QueueFilters";
import { itemStateLabels, verdictBadgeClasses, verdictLabels } from "./labels";
import { QueueThumbnail } from "./QueueThumbnail";
import { RefreshControls, ScreenFrame, useScreenState, type Session } from "./ScreenFrame";
import type { ThumbnailUrls } from "./thumbnails";
import { clip, neutralise } from "./untrusted_text";
import { ByName, UntrustedText } from "./UntrustedText";
import { loadShieldMedia } from "./wellness";

// Two small calls per curator every 15 s: others' claims show up soon, at little cost to the server.
const refreshIntervalMs = 15_000;
const pageSize = 100;
// ClaimItemsRequest.count accepts 1 to 100.
const minClaimCount = 1;
const maxClaimCount = 100;
const defaultClaimCount = 5;
const claimShortcutKey = "c";
const keyBindings: KeyBinding[] = [
  { key: "j", does: "Next row" },
  { key: "k", does: "Previous row" },
  { key: "Enter", does: "Open the row's item" },
  { key: claimShortcutKey, does: "Claim the next items (curators and leads)" },
];
// The prober's summary quotes what the media said about itself (tags, codec names).
const maxSummaryCodePoints = 300;

interface QueueScreenProps {
  client: ReviewClient;
  /** The videos' thumbnail URLs, kept by the caller for the page's life. */
  thumbnails: ThumbnailUrls;
  /** Who is signed in (a council member or a service may look but not claim). */
  session: Session;
  /** Opens the item at `index` of `ids`, the rows in the queue's order. */
  onOpenItem: (ids: bigint[], index: number) => void;
  /** The item whose row gets the focus, e.g. the one just looked at. */
  focusItemId: bigint | null;
  /** The filters the rows are listed with, kept by the caller while an item is open. */
  filter: QueueFilter;
  onFilterChange: (filter: QueueFilter) => void;
}

/**
 * The review queue: its counts (GetQueueStats), the first page of items not yet decided in the
 * server's order (ListItems: earliest due first), refreshed every 15 s, and claiming the next N
 * (ClaimItems) with a button or the key "c" for those whose role may claim. A row opens its item;
 * a video's row shows its thumbnail, blurred when the person's wellness setting says so.
 */
export function QueueScreen({
  client,
  thumbnails,
  session,
  onOpenItem,
  focusItemId,
  filter,
  onFilterChange,
}: QueueScreenProps) {
  const screen = useScreenState(session);
  const { heading, setError, showCallError } = screen;
  const { principal } = session;
  const mayClaim = mayWork(principal);
  const [stats, setStats] = useState<QueueStats | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [morePages, setMorePages] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [notice, setNotice] = useState("");
  const [claimCount, setClaimCount] = useState(defaultClaimCount);
  const [claiming, setClaiming] = useState(false);
  // The key can repeat a claim before the disabled button has re-rendered; this cannot.
  const claimInFlight = useRef(false);
  const nowMs = useNowMs();
  // Read as the screen opens, so a change made on an item screen holds when back here.
  const [shieldMedia] = useState(() => loadShieldMedia(principal.name));
  // Aborted when the screen goes away, which cancels the calls it still has in flight.
  const lifetime = useRef(new AbortController());
  const refreshState = useRef({ inFlight: false, requestedAgain: false });
  // Read by each round of the refresh loop, so a round asked for after a change uses the new one.
  const filterInUse = useRef(filter);

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
        // Each shown as it comes: the rows need not wait for the counts, which cost more.
        await Promise.all([
          client.getQueueStats({}, { signal }).then(setStats),
          client.listItems({ ...listRequestOf(filterInUse.current), pageSize }, { signal }).then((page) => {
            setItems(page.items);
            setMorePages(page.nextPageToken !== "");
          }),
        ]);
        setUpdatedAt(new Date());
        setError("");
      } catch (callError) {
        showCallError(callError);
      }
    } while (state.requestedAgain && !lifetime.current.signal.aborted);
    state.inFlight = false;
  }, [client, showCallError]);

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

  const applyFilter = useCallback(
    (next: QueueFilter) => {
      filterInUse.current = next;
      onFilterChange(next);
      void refresh();
    },
    [onFilterChange, refresh],
  );

  const table = useRef<HTMLTableElement>(null);
  const rowButtons = () =>
    Array.from(table.current?.querySelectorAll<HTMLButtonElement>("button.open-item") ?? []);

  useEffect(() => {
    const screenLifetime = lifetime.current;
    if (focusItemId === null) {
      heading.current?.focus();
    }
    return () => screenLifetime.abort();
  }, []);

  // Back from an item, its row takes the focus once the table holds it.
  const focusPending = useRef(focusItemId !== null);
  useEffect(() => {
    if (!focusPending.current || items.length === 0) {
      return;
    }
    focusPending.current = false;
    const row = rowButtons().find((button) => button.dataset.itemId === String(focusItemId));
    (row ?? heading.current)?.focus();
  }, [items, focusItemId]);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), refreshIntervalMs);
    return () => window.clearInterval(timer);
  }, [refresh]);

  // Attached as the screen is drawn, not after the browser has painted it (useEffect): a key
  // pressed as soon as the screen shows would otherwise find no listener and be lost.
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const key = shortcutOf(event);
      if (key === claimShortcutKey && mayClaim) {
        event.preventDefault();
        void claim();
      } else if (key === "j" || key === "k") {
        event.preventDefault();
        moveFocus(rowButtons(), key === "j" ? 1 : -1);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [claim, mayClaim]);

  const onClaimCountInput = (event: Event) => {
    const value = Number.parseInt((event.currentTarget as HTMLInputElement).value, 10);
    if (Number.isInteger(value)) {
      setClaimCount(Math.min(maxClaimCount, Math.max(minClaimCount, value)));
    }
  };

  return (
    <ScreenFrame
      screen={screen}
      screenClass="queue-screen"
      title="Review queue"
      keyBindings={keyBindings}
      barContent={
        <RefreshControls updatedAt={updatedAt} intervalMs={refreshIntervalMs} onRefresh={() => void refresh()} />
      }
    >
      <QueueCounts stats={stats} nowMs={nowMs} />
      {mayClaim && (
        <form
          class="claim"
          onSubmit={submitted(() => void claim())}
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
      <QueueFilters applied={filter} onApply={applyFilter} />
      <p role="status" class="notice">
        {notice}
      </p>
      <QueueTable
        tableRef={table}
        items={items}
        filtered={isFiltered(filter)}
        nowMs={nowMs}
        thumbnails={thumbnails}
        shieldMedia={shieldMedia}
        onOpen={(index) => onOpenItem(items.map((item) => item.id), index)}
      />
      {morePages && (
        <p class="help">
          Showing the first {pageSize} items; the counts above cover the whole queue.
        </p>
      )}
    </ScreenFrame>
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

interface QueueTableProps {
  tableRef: Ref<HTMLTableElement>;
  items: Item[];
  /** Whether the rows are those matching the filters rather than the whole queue. */
  filtered: boolean;
  nowMs: number;
  thumbnails: ThumbnailUrls;
  shieldMedia: boolean;
  onOpen: (index: number) => void;
}

function QueueTable({ tableRef, items, filtered, nowMs, onOpen, ...rowProps }: QueueTableProps) {
  return (
    <table class="queue" ref={tableRef}>
      <caption>{filtered ? "Items matching the filters" : "Items not yet decided"}, earliest due first</caption>
      <ColumnHeads
        names={[<span class="visually-hidden">Thumbnail</span>, "Title", "Channel", "State", "Playability", "Due"]}
      />
      <tbody>
        {items.length === 0 ? (
          <tr>
            <td colSpan={6} class="placeholder">
              {filtered ? "No item matches the filters." : "Nothing waiting for review."}
            </td>
          </tr>
        ) : (
          items.map((item, index) => (
            <QueueRow
              key={item.id.toString()}
              item={item}
              nowMs={nowMs}
              onOpen={() => onOpen(index)}
              {...rowProps}
            />
          ))
        )}
      </tbody>
    </table>
  );
}

interface QueueRowProps {
  item: Item;
  nowMs: number;
  thumbnails: ThumbnailUrls;
  shieldMedia: boolean;
  onOpen: () => void;
}

function QueueRow({ item, nowMs, thumbnails, shieldMedia, onOpen }: QueueRowProps) {
  const rowClass = item.breached ? "breached" : item.atRisk ? "at-risk" : undefined;
  return (
    <tr class={rowClass}>
      <td class="thumbnail-cell">
        {/* A channel item has no video, hence no thumbnail. */}
        {item.targetKind === TargetKind.VIDEO && (
          <QueueThumbnail key={item.targetId} thumbnails={thumbnails} videoId={item.targetId} shielded={shieldMedia} />
        )}
      </td>
      <td class="title">
        {/* A button, so Tab, Enter and screen readers reach the item; j and k move between them. */}
        <button type="button" class="open-item" data-item-id={item.id.toString()} onClick={onOpen}>
          <UntrustedText text={item.title} maxCodePoints={120} placeholder="(no title)" />
        </button>
      </td>
      <td class="channel">
        <UntrustedText text={item.channelTitle} maxCodePoints={60} placeholder="(no name)" />
      </td>
      <td>
        {itemStateLabels[item.state]}
        {item.state === ItemState.CLAIMED && <ByName name={item.claimedBy} />}
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
