import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Ref } from "preact";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  ChainStatus,
  EntryKind,
  type Entry,
  type EntryFilterSchema,
  type VerifyLogResponse,
} from "../gen/curation/v1/moderation_log_pb";
import { TargetKind } from "../gen/curation/v1/review_pb";
import type { LogClient } from "./api";
import { ColumnHeads } from "./ColumnHeads";
import { saveFile } from "./download";
import { Moment, useNowMs } from "./DueTime";
import { Fact } from "./Fact";
import { submitted } from "./forms";
import type { KeyBinding } from "./KeyHelp";
import { moveFocus, useShortcuts } from "./keyboard";
import { chainStatusLabels, entryKindLabels, targetKindLabels, verdictBadgeClasses, verdictLabels } from "./labels";
import { entryCsvHeader, entryLine, type ExportFormat } from "./log_export";
import { ScreenFrame, useScreenState, type WorkspaceScreenProps } from "./ScreenFrame";
import { clip, neutralise } from "./untrusted_text";
import { UntrustedText } from "./UntrustedText";

const pageSize = 50;
// ListEntries' largest page: an export reads the log in as few calls as it can.
const exportPageSize = 1000;
const verifyKey = "v";
const keyBindings: KeyBinding[] = [
  { key: "j", does: "Next entry" },
  { key: "k", does: "Previous entry" },
  { key: "Enter", does: "Open the entry" },
  { key: verifyKey, does: "Verify the chain" },
];
const filterableKinds = Object.values(EntryKind).filter(
  (kind): kind is EntryKind => typeof kind === "number" && kind !== EntryKind.UNSPECIFIED,
);
// curationd writes the problem of a broken link; it may quote stored text.
const maxProblemCodePoints = 500;
/** A window's end past any head: each VerifyLog call checks as far as the server allows. */
const lastPosition = 2n ** 63n - 1n;

/** The filter form as typed; "" is no filter. Times are the viewer's local time. */
interface FilterForm {
  since: string;
  until: string;
  actor: string;
  targetKind: "" | "video" | "channel";
  targetId: string;
  kinds: EntryKind[];
}

const noFilter: FilterForm = { since: "", until: "", actor: "", targetKind: "", targetId: "", kinds: [] };

/** The form as ListEntries' filter: what `curatorctl log list` builds from the same flags. */
function entryFilter(form: FilterForm): MessageInitShape<typeof EntryFilterSchema> {
  const targetId = form.targetId.trim();
  return {
    ...(form.since === "" ? {} : { startTime: timestampFromDate(new Date(form.since)) }),
    ...(form.until === "" ? {} : { endTime: timestampFromDate(new Date(form.until)) }),
    actor: form.actor.trim(),
    targetKind:
      targetId === "" ? TargetKind.UNSPECIFIED : form.targetKind === "channel" ? TargetKind.CHANNEL : TargetKind.VIDEO,
    targetId,
    kinds: form.kinds,
  };
}

/**
 * The moderation log, for everyone and above all the council: entries filtered as `curatorctl
 * log list` filters them (ListEntries), a page at a time; one entry's whole record (GetEntry),
 * with links to the entries it reverts or confirms and to the one that confirmed it; the chain
 * verified (VerifyLog); and the filtered entries exported as CSV or JSON lines.
 */
export function LogScreen({ client, session }: WorkspaceScreenProps<LogClient>) {
  const screen = useScreenState(session);
  const { heading, setError, showCallError } = screen;
  const [form, setForm] = useState<FilterForm>(noFilter);
  const [applied, setApplied] = useState<FilterForm>(noFilter);
  // The page tokens of the pages shown so far, the current one last ("" is the first page).
  const [pageTokens, setPageTokens] = useState<string[]>([""]);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [nextPageToken, setNextPageToken] = useState("");
  const [selected, setSelected] = useState<Entry | null>(null);
  const detailHeading = useRef<HTMLHeadingElement>(null);
  const lifetime = useRef(new AbortController());
  const pageToken = pageTokens[pageTokens.length - 1] ?? "";

  useEffect(() => {
    const screenLifetime = lifetime.current;
    heading.current?.focus();
    return () => screenLifetime.abort();
  }, []);

  useEffect(() => {
    setEntries(null);
    client
      .listEntries({ filter: entryFilter(applied), pageSize, pageToken }, { signal: lifetime.current.signal })
      .then((page) => {
        setEntries(page.entries);
        setNextPageToken(page.nextPageToken);
        setError("");
      }, showCallError);
  }, [client, applied, pageToken, showCallError]);

  const openEntry = useCallback(
    (id: bigint) => {
      client.getEntry({ id }, { signal: lifetime.current.signal }).then((entry) => {
        setSelected(entry);
        setError("");
      }, showCallError);
    },
    [client, showCallError],
  );
  // The detail's heading takes the focus as soon as an entry shows, so a screen reader reads it.
  useEffect(() => detailHeading.current?.focus(), [selected]);

  const entryList = useRef<HTMLElement>(null);
  const entryButtons = () =>
    Array.from(entryList.current?.querySelectorAll<HTMLButtonElement>("button.open-entry") ?? []);
  useShortcuts({
    j: () => moveFocus(entryButtons(), 1),
    k: () => moveFocus(entryButtons(), -1),
  });

  const firstShown = (pageTokens.length - 1) * pageSize + 1;
  return (
    <ScreenFrame
      screen={screen}
      screenClass="log-screen"
      title="Moderation log"
      keyBindings={keyBindings}
    >
      <ChainVerification
        client={client}
        signal={lifetime.current.signal}
        onOpenEntry={openEntry}
        onCallError={showCallError}
      />
      <FilterFields
        form={form}
        onChange={setForm}
        onApply={() => {
          setApplied(form);
          setPageTokens([""]);
        }}
      />
      <LogExport client={client} filter={applied} signal={lifetime.current.signal} onCallError={showCallError} />
      <div class="log-panes">
        <section aria-labelledby="entries-heading" class="log-entries" ref={entryList}>
          <h2 id="entries-heading">Entries, oldest first</h2>
          {entries === null ? (
            <p class="placeholder" role="status">
              Loading&hellip;
            </p>
          ) : (
            <EntryTable entries={entries} selectedId={selected?.id ?? null} onOpen={openEntry} />
          )}
          <div class="pager">
            <button
              type="button"
              disabled={pageTokens.length === 1}
              onClick={() => setPageTokens((tokens) => tokens.slice(0, -1))}
            >
              Previous page
            </button>
            <p>
              {entries === null || entries.length === 0
                ? ""
                : `Entries ${firstShown}\u2013${firstShown + entries.length - 1}`}
            </p>
            <button
              type="button"
              disabled={nextPageToken === ""}
              onClick={() => setPageTokens((tokens) => [...tokens, nextPageToken])}
            >
              Next page
            </button>
          </div>
        </section>
        {selected !== null && <EntryDetail entry={selected} headingRef={detailHeading} onOpenEntry={openEntry} />}
      </div>
    </ScreenFrame>
  );
}

interface FilterFieldsProps {
  form: FilterForm;
  onChange: (form: FilterForm) => void;
  onApply: () => void;
}

/** The filters of `curatorctl log list`: --since, --until, --actor, --video or --channel, --kind. */
function FilterFields({ form, onChange, onApply }: FilterFieldsProps) {
  const text = (field: "since" | "until" | "actor" | "targetId") => (event: Event) =>
    onChange({ ...form, [field]: (event.currentTarget as HTMLInputElement).value });
  const toggleKind = (kind: EntryKind) => (event: Event) => {
    const checked = (event.currentTarget as HTMLInputElement).checked;
    onChange({ ...form, kinds: checked ? [...form.kinds, kind] : form.kinds.filter((known) => known !== kind) });
  };
  return (
    <form
      class="log-filter"
      aria-label="Filter the log"
      onSubmit={submitted(onApply)}
    >
      <div class="filter-fields">
        <label>
          Since (your local time)
          <input type="datetime-local" value={form.since} onInput={text("since")} />
        </label>
        <label>
          Until (your local time)
          <input type="datetime-local" value={form.until} onInput={text("until")} />
        </label>
        <label>
          Actor
          <input type="text" value={form.actor} onInput={text("actor")} placeholder='a principal, or "chain"' />
        </label>
        <label>
          <span id="target-kind-label">Target</span>
          <select
            aria-labelledby="target-kind-label"
            value={form.targetKind}
            onChange={(event) =>
              onChange({
                ...form,
                targetKind: (event.currentTarget as HTMLSelectElement).value as FilterForm["targetKind"],
              })
            }
          >
            <option value="">Video or channel</option>
            <option value="video">Video</option>
            <option value="channel">Channel</option>
          </select>
        </label>
        <label>
          Target id
          <input type="text" inputMode="numeric" value={form.targetId} onInput={text("targetId")} />
        </label>
      </div>
      <fieldset class="kinds">
        <legend>Kinds (none ticked: all)</legend>
        {filterableKinds.map((kind) => (
          <label key={kind}>
            <input type="checkbox" checked={form.kinds.includes(kind)} onChange={toggleKind(kind)} />
            {entryKindLabels[kind]}
          </label>
        ))}
      </fieldset>
      <button type="submit">Apply the filter</button>
    </form>
  );
}

interface EntryTableProps {
  entries: Entry[];
  selectedId: bigint | null;
  onOpen: (id: bigint) => void;
}

function EntryTable({ entries, selectedId, onOpen }: EntryTableProps) {
  return (
    <table class="log">
      <ColumnHeads
        names={["Entry", "Recorded", "Kind", "Actor", "Target", "Codes", "Chain", "Justification or note"]}
      />
      <tbody>
        {entries.length === 0 ? (
          <tr>
            <td colSpan={8} class="placeholder">
              No entries match.
            </td>
          </tr>
        ) : (
          entries.map((entry) => (
            <tr key={entry.id.toString()} class={entry.id === selectedId ? "selected" : undefined}>
              <td>
                <button
                  type="button"
                  class="open-entry"
                  aria-current={entry.id === selectedId ? "true" : undefined}
                  onClick={() => onOpen(entry.id)}
                >
                  {entry.reference}
                </button>
              </td>
              <td class="when">
                <Moment at={entry.recordTime} />
              </td>
              <td>{entryKindLabels[entry.kind]}</td>
              <td>
                <UntrustedText text={entry.actor} maxCodePoints={40} placeholder="" />
              </td>
              <td>
                <TargetText entry={entry} />
              </td>
              <td>
                <UntrustedText text={entry.policyCodes.join(", ")} maxCodePoints={40} placeholder="" />
              </td>
              <td>{chainStatusLabels[entry.chainStatus]}</td>
              <td class="why">
                <UntrustedText
                  text={entry.justification === "" ? entry.note : entry.justification}
                  maxCodePoints={120}
                  placeholder=""
                />
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function TargetText({ entry }: { entry: Entry }) {
  return (
    <>
      {targetKindLabels[entry.targetKind]} <UntrustedText text={entry.targetId} maxCodePoints={40} placeholder="" />
    </>
  );
}

/** A link to another entry of the log, opened in the detail. */
function EntryLink({ id, onOpen }: { id: bigint; onOpen: (id: bigint) => void }) {
  return (
    <button type="button" class="link" onClick={() => onOpen(id)}>
      curation-log#{id.toString()}
    </button>
  );
}

interface EntryDetailProps {
  entry: Entry;
  headingRef: Ref<HTMLHeadingElement>;
  onOpenEntry: (id: bigint) => void;
}

/** Every field of one entry, as `curatorctl log show` prints it. */
function EntryDetail({ entry, headingRef, onOpenEntry }: EntryDetailProps) {
  const seen = entry.snapshot;
  const event = entry.chainEvent;
  return (
    <section class="entry-detail" aria-labelledby="entry-heading">
      <h2 id="entry-heading" ref={headingRef} tabIndex={-1}>
        {entry.reference}: {entryKindLabels[entry.kind]}
      </h2>
      <dl class="facts">
        <Fact label="Recorded">
          <Moment at={entry.recordTime} />
        </Fact>
        <Fact label="Actor">
          <UntrustedText text={entry.actor} maxCodePoints={60} placeholder="" />{" "}
          ({clip(neutralise(entry.actorRole), 20)}
          {entry.actorWorkerId >= 0n ? `, curator worker ${entry.actorWorkerId}` : ""})
        </Fact>
        <Fact label="Target">
          <TargetText entry={entry} />
          {entry.itemId > 0n ? `, review item ${entry.itemId}` : ""}
        </Fact>
        {entry.chainStatus !== ChainStatus.UNSPECIFIED && (
          <Fact label="On chain">{chainStatusLabels[entry.chainStatus]}</Fact>
        )}
        {entry.policyCodes.length > 0 && (
          <Fact label="Policy codes">
            <UntrustedText text={entry.policyCodes.join(", ")} maxCodePoints={200} placeholder="" />
          </Fact>
        )}
        {entry.justification !== "" && (
          <Fact label="Justification" wide>
            <UntrustedText text={entry.justification} maxCodePoints={4096} placeholder="" />
          </Fact>
        )}
        {entry.note !== "" && (
          <Fact label="Note" wide>
            <UntrustedText text={entry.note} maxCodePoints={4096} placeholder="" />
          </Fact>
        )}
        {entry.revertsEntryId > 0n && (
          <Fact label="Reverts">
            <EntryLink id={entry.revertsEntryId} onOpen={onOpenEntry} />
          </Fact>
        )}
        {entry.confirmsEntryId > 0n && (
          <Fact label="Confirms">
            <EntryLink id={entry.confirmsEntryId} onOpen={onOpenEntry} />
          </Fact>
        )}
        {entry.confirmedByEntryId > 0n && (
          <Fact label="Confirmed by">
            <EntryLink id={entry.confirmedByEntryId} onOpen={onOpenEntry} />
          </Fact>
        )}
      </dl>
      {seen !== undefined && (seen.title !== "" || seen.channelId !== "") && (
        <section aria-labelledby="snapshot-heading">
          <h3 id="snapshot-heading">What the curator saw</h3>
          <dl class="facts">
            <Fact label="Title" wide>
              <UntrustedText text={seen.title} maxCodePoints={300} placeholder="(no title)" />
            </Fact>
            <Fact label="Channel">
              <UntrustedText text={seen.channelTitle} maxCodePoints={100} placeholder="(no name)" /> (
              <UntrustedText text={seen.channelId} maxCodePoints={40} placeholder="" />)
            </Fact>
            <Fact label="Category">
              <UntrustedText text={seen.categoryName} maxCodePoints={100} placeholder="(none)" />
            </Fact>
            <Fact label="Plays">
              <span class={verdictBadgeClasses[seen.playability]}>{verdictLabels[seen.playability]}</span>{" "}
              <UntrustedText text={seen.playabilitySummary} maxCodePoints={300} placeholder="" />
            </Fact>
          </dl>
        </section>
      )}
      {event !== undefined && (
        <section aria-labelledby="event-heading">
          <h3 id="event-heading">Chain event</h3>
          <dl class="facts">
            <Fact label="Event">
              <UntrustedText text={event.eventId} maxCodePoints={80} placeholder="" />:{" "}
              {event.isHidden ? "hidden" : "shown"} by{" "}
              <UntrustedText text={event.actor} maxCodePoints={60} placeholder="" />
            </Fact>
            <Fact label="Block">
              {event.block.toString()}
              {event.extrinsic === "" ? "" : ", extrinsic "}
              <UntrustedText text={event.extrinsic} maxCodePoints={80} placeholder="" />
            </Fact>
            <Fact label="At">
              <Moment at={event.eventTime} />
            </Fact>
            <Fact label="Rationale" wide>
              <UntrustedText text={event.rationale} maxCodePoints={4096} placeholder="(none)" />
            </Fact>
          </dl>
        </section>
      )}
      <section aria-labelledby="hashes-heading">
        <h3 id="hashes-heading">In the chain</h3>
        <dl class="hashes">
          <dt>Position</dt>
          <dd>
            {entry.chainPosition > 0n ? entry.chainPosition.toString() : "not sealed yet (within about a second)"}
          </dd>
          <dt>Content hash</dt>
          <dd>
            <code>{entry.contentHash}</code>
          </dd>
          <dt>Previous hash</dt>
          <dd>
            <code>{entry.previousHash}</code>
          </dd>
          <dt>Chain hash</dt>
          <dd>
            <code>{entry.chainHash}</code>
          </dd>
        </dl>
      </section>
      {entry.chainCommand !== "" && (
        <section aria-labelledby="command-heading">
          <h3 id="command-heading">
            {entry.chainStatus === ChainStatus.PENDING ? "Apply it on chain with your own key" : "Chain command"}
          </h3>
          <pre class="chain-command">{neutralise(entry.chainCommand)}</pre>
        </section>
      )}
    </section>
  );
}

interface ChainVerificationProps {
  client: LogClient;
  signal: AbortSignal;
  onOpenEntry: (id: bigint) => void;
  onCallError: (callError: unknown) => void;
}

/** How far a verification of the whole chain has got: positions recomputed of the head's. */
interface VerifyProgress {
  checked: bigint;
  head: bigint;
}

/**
 * "Verify the chain" (VerifyLog): the whole chain, or only what was sealed since the last intact
 * verification. The whole chain is recomputed a window at a time (each call checks as far as the
 * server allows and says where it stopped), so the progress shown is positions of the head's; a
 * verification since the checkpoint then checks what windows do not: that every entry is in the
 * chain, and what was sealed meanwhile. Only what was sealed since is one call, shown by its time.
 */
function ChainVerification({ client, signal, onOpenEntry, onCallError }: ChainVerificationProps) {
  const [sinceCheckpoint, setSinceCheckpoint] = useState(false);
  const [startedMs, setStartedMs] = useState<number | null>(null);
  const [progress, setProgress] = useState<VerifyProgress | null>(null);
  const [result, setResult] = useState<VerifyLogResponse | null>(null);
  const [recomputedInWindows, setRecomputedInWindows] = useState<bigint | null>(null);
  const nowMs = useNowMs();

  const verifyWholeChain = async (): Promise<VerifyLogResponse> => {
    let after = 0n;
    for (;;) {
      const part = await client.verifyLog({ window: { after, upTo: lastPosition } }, { signal, timeoutMs: 120_000 });
      setProgress({ checked: part.entriesChecked, head: part.headPosition });
      if (!part.intact) {
        return part;
      }
      after = part.entriesChecked;
      if (after >= part.headPosition) {
        break;
      }
    }
    setRecomputedInWindows(after);
    return client.verifyLog({ sinceCheckpoint: true }, { signal, timeoutMs: 600_000 });
  };

  const verify = () => {
    if (startedMs !== null) {
      return;
    }
    setStartedMs(Date.now());
    setProgress(null);
    setResult(null);
    setRecomputedInWindows(null);
    (sinceCheckpoint ? client.verifyLog({ sinceCheckpoint: true }, { signal, timeoutMs: 600_000 }) : verifyWholeChain())
      .then(setResult, onCallError)
      .finally(() => setStartedMs(null));
  };
  useShortcuts({ [verifyKey]: verify });

  return (
    <section class="verify" aria-labelledby="verify-heading">
      <h2 id="verify-heading">Verify the chain</h2>
      <div class="verify-controls">
        <label>
          <input
            type="checkbox"
            checked={sinceCheckpoint}
            onChange={(event) => setSinceCheckpoint((event.currentTarget as HTMLInputElement).checked)}
          />
          Only what was sealed since the last intact verification (faster)
        </label>
        <button type="button" onClick={verify} disabled={startedMs !== null} aria-keyshortcuts={verifyKey}>
          Verify the chain <kbd>{verifyKey}</kbd>
        </button>
      </div>
      <div role="status" class="verify-status">
        {startedMs !== null &&
          (progress === null ? (
            <>
              <progress aria-label="Verifying the chain" />{" "}
              {sinceCheckpoint ? "Recomputing what was sealed since the last verification" : "Recomputing the whole chain"}
              : {Math.max(0, Math.round((nowMs - startedMs) / 1000))} s so far
            </>
          ) : (
            <>
              <progress
                aria-label="Verifying the chain"
                value={Number(progress.checked)}
                max={Math.max(1, Number(progress.head))}
              />{" "}
              Recomputed positions 1 to {progress.checked.toString()} of {progress.head.toString()}
              {progress.checked >= progress.head && "; checking that every entry is in the chain"}
            </>
          ))}
        {result !== null && result.intact && (
          <p class="verify-intact">
            <strong>Intact:</strong> {result.entriesChecked.toString()} entries, head <code>{result.headHash}</code>
            {result.unsealed > 0n && ` (${result.unsealed} newer entries not sealed yet; verify again to include them)`}
            {recomputedInWindows !== null ? (
              <>
                . Recomputed the whole chain to position {recomputedInWindows.toString()}
                {result.entriesChecked > recomputedInWindows &&
                  `, then the ${result.entriesChecked - recomputedInWindows} entries sealed meanwhile`}
                ; every entry is in the chain.
              </>
            ) : (
              result.verifiedFrom > 0n && (
                <>
                  . Recomputed the {(result.entriesChecked - result.verifiedFrom).toString()} entries sealed since
                  position {result.verifiedFrom.toString()}; the whole chain was last recomputed{" "}
                  <Moment at={result.wholeChainVerifyTime} />.
                </>
              )
            )}
          </p>
        )}
      </div>
      {result !== null && !result.intact && (
        <div role="alert" class="verify-broken">
          <p>
            <strong>Broken</strong>
            {result.brokenEntryId > 0n && ` at entry ${result.brokenEntryId} (position ${result.brokenPosition})`}:{" "}
            {clip(neutralise(result.problem), maxProblemCodePoints)}
          </p>
          <p>The chain holds from position 1 to {result.entriesChecked.toString()}.</p>
          {result.brokenEntryId > 0n && (
            <button type="button" onClick={() => onOpenEntry(result.brokenEntryId)}>
              Open entry {result.brokenEntryId.toString()}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

interface LogExportProps {
  client: LogClient;
  filter: FilterForm;
  signal: AbortSignal;
  onCallError: (callError: unknown) => void;
}

/**
 * Every entry the filter matches as one file, read a page at a time (ListEntries: the Connect
 * listener serves no streams, so not ExportEntries) and saved by the browser. The count read so
 * far is the progress.
 */
function LogExport({ client, filter, signal, onCallError }: LogExportProps) {
  const [exported, setExported] = useState<{ format: ExportFormat; count: number; done: boolean } | null>(null);
  const running = exported !== null && !exported.done;

  const exportAs = async (format: ExportFormat) => {
    setExported({ format, count: 0, done: false });
    const lines = format === "csv" ? [entryCsvHeader()] : [];
    let pageToken = "";
    try {
      do {
        const page = await client.listEntries(
          { filter: entryFilter(filter), pageSize: exportPageSize, pageToken },
          { signal },
        );
        lines.push(...page.entries.map((entry) => entryLine(entry, format)));
        setExported({ format, count: lines.length - (format === "csv" ? 1 : 0), done: false });
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    } catch (callError) {
      setExported(null);
      onCallError(callError);
      return;
    }
    const day = new Date().toISOString().slice(0, 10);
    saveFile(
      `curation-log-${day}.${format}`,
      format === "csv" ? "text/csv;charset=utf-8" : "application/jsonl;charset=utf-8",
      lines,
    );
    setExported((state) => (state === null ? null : { ...state, done: true }));
  };

  return (
    <section class="export" aria-labelledby="export-heading">
      <h2 id="export-heading">Export the filtered entries</h2>
      <button type="button" disabled={running} onClick={() => void exportAs("csv")}>
        Export CSV
      </button>
      <button type="button" disabled={running} onClick={() => void exportAs("jsonl")}>
        Export JSON lines
      </button>
      <p role="status" class="notice">
        {exported === null
          ? ""
          : exported.done
            ? `Exported ${exported.count} entries as ${exported.format.toUpperCase()}.`
            : `Exporting: ${exported.count} entries read\u2026`}
      </p>
    </section>
  );
}
