import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Ref } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  IncidentState,
  type Incident,
  type ListSlotsResponse,
  type Slot,
} from "../gen/curation/v1/alert_pb";
import { mayAcknowledgeIncidents, mayResolveAndSilence, type AlertClient } from "./api";
import { ColumnHeads } from "./ColumnHeads";
import { DueTime, Moment, useNowMs } from "./DueTime";
import { Fact } from "./Fact";
import { submitted } from "./forms";
import type { KeyBinding } from "./KeyHelp";
import { moveFocus, useShortcuts } from "./keyboard";
import { incidentStateLabels, verdictBadgeClasses, verdictLabels } from "./labels";
import { RefreshControls, ScreenFrame, useScreenState, type WorkspaceScreenProps } from "./ScreenFrame";
import { clip, neutralise } from "./untrusted_text";
import { ByName, UntrustedText } from "./UntrustedText";

// An open incident pages people: what it looks like now matters, at the cost of two calls a minute.
const refreshIntervalMs = 30_000;
const openStates = [IncidentState.FIRING, IncidentState.ACKNOWLEDGED];
const resolvedShown = 20;
const keyBindings: KeyBinding[] = [
  { key: "j", does: "Next incident" },
  { key: "k", does: "Previous incident" },
  { key: "Enter", does: "Open the incident" },
];
// SilenceSlotRequest.duration: at most 7 days.
const silenceDurations = [
  { seconds: 3_600, label: "1 hour" },
  { seconds: 4 * 3_600, label: "4 hours" },
  { seconds: 24 * 3_600, label: "1 day" },
  { seconds: 7 * 24 * 3_600, label: "7 days" },
];

interface AlertsView {
  open: Incident[];
  resolved: Incident[];
  slots: ListSlotsResponse;
}

/**
 * The alerts on the hero and the featured videos (AlertService): open incidents first, then the
 * latest resolved; one incident's timeline and notifications with its failing cut and poster
 * to play; the slots and how they play. The on-call (curators and the lead) acknowledge; the
 * lead resolves by hand and silences a slot; everyone else reads.
 */
export function AlertsScreen({ client, session }: WorkspaceScreenProps<AlertClient>) {
  const screen = useScreenState(session);
  const { heading, setError, showCallError } = screen;
  const { principal } = session;
  const [view, setView] = useState<AlertsView | null>(null);
  const [selected, setSelected] = useState<Incident | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [notice, setNotice] = useState("");
  const detailHeading = useRef<HTMLHeadingElement>(null);
  const lifetime = useRef(new AbortController());
  const nowMs = useNowMs();

  const refresh = useCallback(async () => {
    const { signal } = lifetime.current;
    try {
      const [open, resolved, slots] = await Promise.all([
        client.listIncidents({ states: openStates, pageSize: 500 }, { signal }),
        client.listIncidents({ states: [IncidentState.RESOLVED], pageSize: resolvedShown }, { signal }),
        client.listSlots({ includeHistory: true }, { signal }),
      ]);
      setView({ open: open.incidents, resolved: resolved.incidents, slots });
      setUpdatedAt(new Date());
      setError("");
    } catch (callError) {
      showCallError(callError);
    }
  }, [client, showCallError]);

  const openIncident = useCallback(
    (id: bigint) => {
      client.getIncident({ id }, { signal: lifetime.current.signal }).then(setSelected, showCallError);
    },
    [client, showCallError],
  );
  useEffect(() => detailHeading.current?.focus(), [selected?.id]);

  useEffect(() => {
    const screenLifetime = lifetime.current;
    heading.current?.focus();
    void refresh();
    const timer = window.setInterval(() => void refresh(), refreshIntervalMs);
    return () => {
      window.clearInterval(timer);
      screenLifetime.abort();
    };
  }, [refresh]);

  const incidentLists = useRef<HTMLDivElement>(null);
  const incidentButtons = () =>
    Array.from(incidentLists.current?.querySelectorAll<HTMLButtonElement>("button.open-incident") ?? []);
  useShortcuts({
    j: () => moveFocus(incidentButtons(), 1),
    k: () => moveFocus(incidentButtons(), -1),
  });

  // An action's answer is the incident as it now is; the lists follow.
  const changed = (incident: Incident, what: string) => {
    setSelected(incident);
    setNotice(what);
    setError("");
    void refresh();
  };

  return (
    <ScreenFrame
      screen={screen}
      screenClass="alerts-screen"
      title="Alerts"
      keyBindings={keyBindings}
      barContent={
        <RefreshControls updatedAt={updatedAt} intervalMs={refreshIntervalMs} onRefresh={() => void refresh()} />
      }
    >
      <p role="status" class="notice">
        {notice}
      </p>
      <div class="alert-panes">
        <div ref={incidentLists}>
          <IncidentTable
            caption="Open incidents"
            empty="No incident is open."
            incidents={view?.open ?? null}
            selectedId={selected?.id ?? null}
            nowMs={nowMs}
            onOpen={openIncident}
          />
          <IncidentTable
            caption={`Latest ${resolvedShown} resolved`}
            empty="None resolved yet."
            incidents={view?.resolved ?? null}
            selectedId={selected?.id ?? null}
            nowMs={nowMs}
            onOpen={openIncident}
          />
        </div>
        {selected !== null && (
          <IncidentDetail
            incident={selected}
            slot={view === null ? undefined : slotOf(selected, view.slots)}
            headingRef={detailHeading}
            client={client}
            signal={lifetime.current.signal}
            mayAcknowledge={mayAcknowledgeIncidents(principal)}
            mayResolve={mayResolveAndSilence(principal)}
            onChanged={changed}
            onCallError={showCallError}
          />
        )}
      </div>
      <SlotTable slots={view?.slots ?? null} onOpenIncident={openIncident} />
      {mayResolveAndSilence(principal) && view !== null && (
        <SilenceForm
          client={client}
          slots={view.slots.slots}
          signal={lifetime.current.signal}
          onSilenced={(what) => {
            setNotice(what);
            setError("");
            void refresh();
          }}
          onCallError={showCallError}
        />
      )}
    </ScreenFrame>
  );
}

/** The featured video the incident is about, now or in the slot's history, for its cut and poster. */
function slotOf(incident: Incident, slots: ListSlotsResponse): Slot | undefined {
  const same = (slot: Slot) => slot.slot === incident.slot && slot.videoId === incident.videoId;
  return slots.slots.find(same) ?? slots.history.find(same);
}

/** `url` when it is a web address the page may load media from; else undefined. */
function webUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

interface IncidentTableProps {
  caption: string;
  empty: string;
  incidents: Incident[] | null;
  selectedId: bigint | null;
  nowMs: number;
  onOpen: (id: bigint) => void;
}

function IncidentTable({ caption, empty, incidents, selectedId, nowMs, onOpen }: IncidentTableProps) {
  return (
    <table class="incidents">
      <caption>{caption}</caption>
      <ColumnHeads names={["Incident", "Video", "State", "Opened", "Deadline"]} />
      <tbody>
        {incidents === null ? (
          <tr>
            <td colSpan={5} class="placeholder">
              Loading&hellip;
            </td>
          </tr>
        ) : incidents.length === 0 ? (
          <tr>
            <td colSpan={5} class="placeholder">
              {empty}
            </td>
          </tr>
        ) : (
          incidents.map((incident) => (
            <tr
              key={incident.id.toString()}
              class={incident.id === selectedId ? "selected" : incident.breached ? "breached" : undefined}
            >
              <td>
                <button
                  type="button"
                  class="open-incident"
                  aria-current={incident.id === selectedId ? "true" : undefined}
                  onClick={() => onOpen(incident.id)}
                >
                  #{incident.id.toString()}{" "}
                  <UntrustedText text={incident.alertname} maxCodePoints={40} placeholder="" />
                </button>
              </td>
              <td class="title">
                <UntrustedText text={incident.videoTitle} maxCodePoints={80} placeholder="(no title)" />{" "}
                <span class="muted">
                  in <UntrustedText text={incident.slot} maxCodePoints={40} placeholder="" />
                </span>
              </td>
              <td>
                {incidentStateLabels[incident.state]}
                <ByName name={incident.acknowledgedBy} />
              </td>
              <td>
                <Moment at={incident.openedAt} />
              </td>
              <td>
                {incident.state === IncidentState.RESOLVED || incident.deadline === undefined ? (
                  "\u2014"
                ) : (
                  <DueTime due={incident.deadline} nowMs={nowMs} />
                )}
                {incident.breached && <span class="flag flag-breached">Breached</span>}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

interface IncidentDetailProps {
  incident: Incident;
  slot: Slot | undefined;
  headingRef: Ref<HTMLHeadingElement>;
  client: AlertClient;
  signal: AbortSignal;
  mayAcknowledge: boolean;
  mayResolve: boolean;
  onChanged: (incident: Incident, what: string) => void;
  onCallError: (callError: unknown) => void;
}

/** One incident: what broke, its cut and poster, the actions the role may take, its timeline. */
function IncidentDetail({
  incident,
  slot,
  headingRef,
  client,
  signal,
  mayAcknowledge,
  mayResolve,
  onChanged,
  onCallError,
}: IncidentDetailProps) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const cutUrl = slot === undefined ? undefined : webUrl(slot.cutUrl);
  const posterUrl = slot === undefined ? undefined : webUrl(slot.posterUrl);
  const act = async (what: "acknowledge" | "resolve") => {
    setBusy(true);
    try {
      const request = { id: incident.id, note: note.trim() };
      const changed =
        what === "acknowledge"
          ? await client.acknowledgeIncident(request, { signal })
          : await client.resolveIncident(request, { signal });
      setNote("");
      onChanged(changed, `Incident ${incident.id} ${what === "acknowledge" ? "acknowledged" : "resolved"}.`);
    } catch (callError) {
      onCallError(callError);
    } finally {
      setBusy(false);
    }
  };
  const mayAcknowledgeThis = mayAcknowledge && incident.state === IncidentState.FIRING;
  const mayResolveThis = mayResolve && incident.state !== IncidentState.RESOLVED;

  return (
    <section class="incident-detail" aria-labelledby="incident-heading">
      <h2 id="incident-heading" ref={headingRef} tabIndex={-1}>
        Incident {incident.id.toString()}: <UntrustedText text={incident.alertname} maxCodePoints={60} placeholder="" />
      </h2>
      <dl class="facts">
        <Fact label="State">{incidentStateLabels[incident.state]}</Fact>
        <Fact label="Slot">
          <SlotName slot={incident.slot} categoryName={incident.categoryName} placeholder="(none)" />
        </Fact>
        <Fact label="Video" wide>
          <UntrustedText text={incident.videoTitle} maxCodePoints={200} placeholder="(no title)" /> (video{" "}
          <UntrustedText text={incident.videoId} maxCodePoints={40} placeholder="?" />)
        </Fact>
        <Fact label="Why" wide>
          <UntrustedText text={incident.reason} maxCodePoints={1000} placeholder="(no reason given)" />
        </Fact>
        <Fact label="Broke">
          <Moment at={incident.brokeAt} />
        </Fact>
        <Fact label="Deadline">
          <Moment at={incident.deadline} />
          {incident.breached && <span class="flag flag-breached">Breached</span>}
        </Fact>
        {incident.resolution !== "" && (
          <Fact label="Resolution" wide>
            <UntrustedText text={incident.resolution} maxCodePoints={1000} placeholder="" />
          </Fact>
        )}
      </dl>
      {(cutUrl !== undefined || posterUrl !== undefined) && (
        <div class="incident-media">
          {cutUrl !== undefined && (
            <figure>
              <video controls muted preload="metadata" src={cutUrl} poster={posterUrl} aria-label="The featured cut" />
              <figcaption>The cut as featured, muted until you unmute it</figcaption>
            </figure>
          )}
          {posterUrl !== undefined && (
            <figure>
              <img src={posterUrl} alt="The featured video's poster" />
              <figcaption>The poster</figcaption>
            </figure>
          )}
        </div>
      )}
      {(mayAcknowledgeThis || mayResolveThis) && (
        <div class="incident-actions">
          <label for="incident-note">{mayResolveThis ? "Note (a resolution needs one: what was done)" : "Note"}</label>
          <textarea id="incident-note" rows={2} value={note} onInput={(event) => setNote(event.currentTarget.value)} />
          {mayAcknowledgeThis && (
            <button type="button" disabled={busy} onClick={() => void act("acknowledge")}>
              Acknowledge
            </button>
          )}
          {mayResolveThis && (
            <button type="button" disabled={busy || note.trim() === ""} onClick={() => void act("resolve")}>
              Resolve
            </button>
          )}
        </div>
      )}
      <section aria-labelledby="timeline-heading">
        <h3 id="timeline-heading">Timeline</h3>
        <ol class="timeline">
          {incident.events.map((event, index) => (
            <li key={index}>
              <Moment at={event.at} />: <strong>{event.kind}</strong>
              {" by "}
              <UntrustedText text={event.actor} maxCodePoints={60} placeholder="the pipeline" />
              {event.note !== "" && (
                <>
                  {": "}
                  <UntrustedText text={event.note} maxCodePoints={1000} placeholder="" />
                </>
              )}
            </li>
          ))}
        </ol>
      </section>
      {incident.notifications.length > 0 && (
        <table class="notifications">
          <caption>Notifications</caption>
          <ColumnHeads names={["Receiver", "Step", "State", "Attempts", "Last error"]} />
          <tbody>
            {incident.notifications.map((notification, index) => (
              <tr key={index}>
                <td>
                  <UntrustedText text={notification.receiver} maxCodePoints={60} placeholder="" />
                </td>
                <td>{notification.step}</td>
                <td>{notification.state}</td>
                <td>{notification.attempts}</td>
                <td>
                  <UntrustedText
                    text={
                      notification.lastError === "" && notification.lastStatus > 0
                        ? `HTTP ${notification.lastStatus}`
                        : notification.lastError
                    }
                    maxCodePoints={200}
                    placeholder=""
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SlotTable({
  slots,
  onOpenIncident,
}: {
  slots: ListSlotsResponse | null;
  onOpenIncident: (id: bigint) => void;
}) {
  return (
    <table class="slots">
      <caption>
        Featured now{" "}
        {slots !== null && (
          <span class="muted">
            (Orion last read <Moment at={slots.lastPollAt} />, last probe <Moment at={slots.lastProbeAt} />)
          </span>
        )}
      </caption>
      <ColumnHeads names={["Slot", "Video", "Plays", "Last probed", "Silenced", "Incident"]} />
      <tbody>
        {slots === null || slots.slots.length === 0 ? (
          <tr>
            <td colSpan={6} class="placeholder">
              {slots === null ? "Loading\u2026" : "Nothing is featured."}
            </td>
          </tr>
        ) : (
          slots.slots.map((slot) => (
            <tr key={slot.slot}>
              <td>
                <SlotName slot={slot.slot} categoryName={slot.categoryName} placeholder="" />
              </td>
              <td class="title">
                <UntrustedText text={slot.videoTitle} maxCodePoints={80} placeholder="(no title)" />
              </td>
              <td>
                <span class={verdictBadgeClasses[slot.verdict]}>{verdictLabels[slot.verdict]}</span>{" "}
                <UntrustedText text={slot.reason} maxCodePoints={120} placeholder="" />
              </td>
              <td>
                <Moment at={slot.lastProbeAt} />
              </td>
              <td>
                {slot.silencedUntil === undefined ? (
                  "\u2014"
                ) : (
                  <>
                    until <Moment at={slot.silencedUntil} />:{" "}
                    <UntrustedText text={slot.silenceReason} maxCodePoints={120} placeholder="" />
                  </>
                )}
              </td>
              <td>
                {slot.openIncidentId > 0n ? (
                  <button type="button" class="link" onClick={() => onOpenIncident(slot.openIncidentId)}>
                    Incident {slot.openIncidentId.toString()}
                  </button>
                ) : (
                  "\u2014"
                )}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

interface SilenceFormProps {
  client: AlertClient;
  slots: Slot[];
  signal: AbortSignal;
  onSilenced: (what: string) => void;
  onCallError: (callError: unknown) => void;
}

/** The lead's: no notifications for a slot for a while, with a reason (incidents still open). */
function SilenceForm({ client, slots, signal, onSilenced, onCallError }: SilenceFormProps) {
  const [slot, setSlot] = useState("");
  const [seconds, setSeconds] = useState(silenceDurations[0]?.seconds ?? 3_600);
  const [reason, setReason] = useState("");
  const chosenSlot = slot === "" ? (slots[0]?.slot ?? "") : slot;
  const silence = async () => {
    try {
      const silenced = await client.silenceSlot(
        { slot: chosenSlot, duration: { seconds: BigInt(seconds) }, reason: reason.trim() },
        { signal },
      );
      setReason("");
      const until = silenced.until === undefined ? "" : ` until ${timestampDate(silenced.until).toLocaleString()}`;
      onSilenced(`${clip(neutralise(silenced.slot), 60)} silenced${until}.`);
    } catch (callError) {
      onCallError(callError);
    }
  };
  if (slots.length === 0) {
    return null;
  }
  return (
    <form
      class="silence"
      aria-labelledby="silence-heading"
      onSubmit={submitted(() => void silence())}
    >
      <h2 id="silence-heading">Silence a slot</h2>
      <label>
        <span id="silence-slot-label">Slot</span>
        <select
          aria-labelledby="silence-slot-label"
          value={chosenSlot}
          onChange={(event) => setSlot(event.currentTarget.value)}
        >
          {slots.map((candidate) => (
            <option key={candidate.slot} value={candidate.slot}>
              {clip(neutralise(candidate.slot), 60)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span id="silence-duration-label">For</span>
        <select
          aria-labelledby="silence-duration-label"
          value={String(seconds)}
          onChange={(event) => setSeconds(Number(event.currentTarget.value))}
        >
          {silenceDurations.map((duration) => (
            <option key={duration.seconds} value={String(duration.seconds)}>
              {duration.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason
        <input type="text" required value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
      </label>
      <button type="submit" disabled={reason.trim() === ""}>
        Silence
      </button>
    </form>
  );
}

/** A featured slot's name ("hero", a category's id) and, for a category, its name in brackets. */
function SlotName({ slot, categoryName, placeholder }: { slot: string; categoryName: string; placeholder: string }) {
  return (
    <>
      <UntrustedText text={slot} maxCodePoints={60} placeholder={placeholder} />
      {categoryName !== "" && (
        <>
          {" ("}
          <UntrustedText text={categoryName} maxCodePoints={60} placeholder="" />)
        </>
      )}
    </>
  );
}
