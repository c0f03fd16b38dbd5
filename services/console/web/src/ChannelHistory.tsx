import { useEffect, useState } from "preact/hooks";
import { EntryKind, type Entry } from "../gen/curation/v1/moderation_log_pb";
import { ItemState, type Item } from "../gen/curation/v1/review_pb";
import type { LogClient, ReviewClient } from "./api";
import { ColumnHeads } from "./ColumnHeads";
import { entryKindLabels, itemStateLabels, targetKindLabels, verdictBadgeClasses, verdictLabels } from "./labels";
import { UntrustedText } from "./UntrustedText";

// A channel's history is short in practice; past these, the section says it shows only the start.
const itemsShown = 20;
const entriesRead = 200;

interface ChannelHistoryProps {
  review: ReviewClient;
  log: LogClient;
  channelId: string;
  /** The item on screen, left out of the channel's other items. */
  itemId: bigint;
  signal: AbortSignal;
  /** A failed call, as the item screen shows it. */
  onCallError: (callError: unknown) => void;
}

interface History {
  items: Item[];
  moreItems: boolean;
  entries: Entry[];
  moreEntries: boolean;
}

/**
 * What the channel has done before: its other review items (any state, earliest due first) and
 * the moderation log's entries on it or any of its videos (ListEntries' in_channel_id), with the
 * warnings and censors counted, so a curator judging one upload sees a repeat offender as one.
 */
export function ChannelHistory({ review, log, channelId, itemId, signal, onCallError }: ChannelHistoryProps) {
  const [history, setHistory] = useState<History | null>(null);

  useEffect(() => {
    if (channelId === "") {
      return;
    }
    const allStates = [ItemState.OPEN, ItemState.CLAIMED, ItemState.ESCALATED, ItemState.DECIDED];
    Promise.all([
      review.listItems({ channelId, states: allStates, pageSize: itemsShown + 1 }, { signal }),
      log.listEntries({ filter: { inChannelId: channelId }, pageSize: entriesRead }, { signal }),
    ]).then(([itemPage, entryPage]) => {
      const others = itemPage.items.filter((item) => item.id !== itemId);
      setHistory({
        items: others.slice(0, itemsShown),
        moreItems: itemPage.nextPageToken !== "" || others.length > itemsShown,
        entries: entryPage.entries,
        moreEntries: entryPage.nextPageToken !== "",
      });
    }, onCallError);
  }, [review, log, channelId, itemId, signal, onCallError]);

  if (channelId === "") {
    return null;
  }
  return (
    <section class="channel-history" aria-labelledby="channel-history-heading">
      <h2 id="channel-history-heading">Channel history</h2>
      {history === null ? <p>Loading&hellip;</p> : <HistoryBody history={history} />}
    </section>
  );
}

// Moderator actions on chain outside curation (a confirmation repeats a curator's own censor).
const outsideCuration = new Set([EntryKind.CHAIN_UNJUSTIFIED, EntryKind.CHAIN_PREEXISTING]);

function HistoryBody({ history }: { history: History }) {
  const count = (kind: EntryKind) => history.entries.filter((entry) => entry.kind === kind).length;
  const censoredOnChain = history.entries.filter(
    (entry) => outsideCuration.has(entry.kind) && entry.chainEvent?.isHidden === true,
  ).length;
  return (
    <>
      <p class="history-summary">
        {count(EntryKind.WARN)} warnings, {count(EntryKind.CENSOR)} censors by curators,{" "}
        {censoredOnChain} hidden on chain by others, {count(EntryKind.REVERT)} reverted; {history.items.length}
        {history.moreItems ? "+" : ""} other items.
      </p>
      {history.entries.length > 0 && (
        <table class="history-entries">
          <caption>Log entries on the channel and its videos{history.moreEntries ? " (the first " + entriesRead + ")" : ""}</caption>
          <ColumnHeads names={["Entry", "Kind", "Target", "Title then", "By", "Recorded"]} />
          <tbody>
            {history.entries.map((entry) => (
              <tr key={entry.id.toString()}>
                <td>{entry.reference}</td>
                <td>{entryKindLabels[entry.kind]}</td>
                <td>
                  {targetKindLabels[entry.targetKind]} {entry.targetId}
                </td>
                <td>
                  <UntrustedText text={entry.snapshot?.title ?? ""} maxCodePoints={80} placeholder="(no title)" />
                </td>
                <td>
                  <UntrustedText text={entry.actor} maxCodePoints={40} placeholder="" />
                </td>
                <td>{entry.recordTime ? new Date(Number(entry.recordTime.seconds) * 1000).toLocaleString() : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {history.items.length > 0 && (
        <table class="history-items">
          <caption>Other review items of the channel{history.moreItems ? ` (the first ${itemsShown})` : ""}</caption>
          <ColumnHeads names={["Item", "Title", "State", "Playability"]} />
          <tbody>
            {history.items.map((item) => (
              <tr key={item.id.toString()}>
                <td>{item.id.toString()}</td>
                <td>
                  <UntrustedText text={item.title} maxCodePoints={80} placeholder="(no title)" />
                </td>
                <td>{itemStateLabels[item.state]}</td>
                <td>
                  <span class={verdictBadgeClasses[item.playability]}>{verdictLabels[item.playability]}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
