import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  Action,
  CensorScope,
  TargetKind,
  type Decision,
  type Item,
  type PolicyCode,
  type TargetDetails,
} from "../gen/curation/v1/review_pb";
import type { VideoSources } from "../gen/curation/v1/probe_pb";
import {
  mayWork,
  type LogClient,
  type ProbeClient,
  type ReviewClient,
} from "./api";
import { ChannelHistory } from "./ChannelHistory";
import { DueTime, useNowMs } from "./DueTime";
import { EvidenceNotes, evidenceNoteProblem, maxEvidenceNotes, type DraftNote } from "./EvidenceNotes";
import type { KeyBinding } from "./KeyHelp";
import { shortcutOf } from "./keyboard";
import {
  actionLabels,
  describeDue,
  itemReasonLabels,
  itemStateLabels,
  targetKindLabels,
  verdictBadgeClasses,
  verdictLabels,
} from "./labels";
import { formatMediaTime } from "./media_time";
import { MediaPlayer } from "./MediaPlayer";
import { ScreenFrame, useScreenState, type Session } from "./ScreenFrame";
import { clip, neutralise } from "./untrusted_text";
import { ByName, UntrustedLongText, UntrustedText } from "./UntrustedText";
import { loadShieldMedia, saveShieldMedia } from "./wellness";
import { maxTextBytes, minJustificationChars, utf8Bytes, visibleLength } from "./written_text";

// The four decisions a curator makes, with their keys; revert is the lead's, elsewhere.
const decisions: { action: Action; key: string }[] = [
  { action: Action.APPROVE, key: "a" },
  { action: Action.WARN, key: "w" },
  { action: Action.CENSOR, key: "x" },
  { action: Action.ESCALATE, key: "e" },
];

const keyBindings: KeyBinding[] = [
  ...decisions.map(({ action, key }) => ({ key, does: `Choose ${actionLabels[action].toLowerCase()}` })),
  { key: "p", does: "Play or pause the video" },
  { key: "ArrowLeft", does: "Back 5 seconds" },
  { key: "ArrowRight", does: "Forward 5 seconds" },
  { key: ",", does: "One frame back (pauses)" },
  { key: ".", does: "One frame forward (pauses)" },
  { key: "n", does: "Add an evidence note at the current time" },
  { key: "r", does: "Reveal a blurred, muted video and thumbnail" },
  { key: "j", does: "Next item in the queue" },
  { key: "k", does: "Previous item in the queue" },
  { key: "Escape", does: "Back to the queue" },
];

// The prober's summary quotes what the media said about itself.
const maxSummaryCodePoints = 500;
const seekStepSeconds = 5;
// The video's frame rate is not known to the page; 1/30 s steps through 24, 25 and 30 fps media
// a frame (or a little less) at a time.
const frameStepSeconds = 1 / 30;

interface ItemScreenProps {
  client: ReviewClient;
  /** The video's sources and their probe reports. */
  probe: ProbeClient;
  /** The channel's history. */
  log: LogClient;
  session: Session;
  itemId: bigint;
  /** Where the item is among the queue's rows, for "3 of 6" and the keys j and k. */
  position: { index: number; count: number };
  onNavigate: (step: 1 | -1) => void;
  onBack: () => void;
}

/**
 * One item (GetItem): what it is, as inert text; its due time and the caller's lease, counting
 * down; and for curators and leads the decision form (DecideItem) with the policy codes a warn
 * or censor may cite (ListPolicyCodes). After a censor, the joystream-cli command to run.
 */
export function ItemScreen({
  client,
  probe,
  log,
  session,
  itemId,
  position,
  onNavigate,
  onBack,
}: ItemScreenProps) {
  const screen = useScreenState(session);
  const { heading, setError, showCallError } = screen;
  const { principal } = session;
  const [item, setItem] = useState<Item | null>(null);
  const [policyCodes, setPolicyCodes] = useState<PolicyCode[]>([]);
  const [action, setAction] = useState<Action | null>(null);
  const [decision, setDecision] = useState<Decision | null>(null);
  const nowMs = useNowMs();
  const lifetime = useRef(new AbortController());
  const mayDecide = mayWork(principal);
  const [sources, setSources] = useState<VideoSources | null>(null);
  const [shieldMedia, setShieldMedia] = useState(() => loadShieldMedia(principal.name));
  const [revealed, setRevealed] = useState(false);
  const [notes, setNotes] = useState<DraftNote[]>([]);
  const nextNoteKey = useRef(1);
  const video = useRef<HTMLVideoElement>(null);

  const addNote = () => {
    if (notes.length >= maxEvidenceNotes) {
      return;
    }
    const key = nextNoteKey.current++;
    setNotes((written) => [...written, { key, offsetSeconds: Math.floor(video.current?.currentTime ?? 0), text: "" }]);
    // Focused once drawn, so the curator types the note straight away.
    window.setTimeout(() => document.getElementById(`note-${key}`)?.focus(), 0);
  };
  const seekTo = (seconds: number) => {
    if (video.current !== null) {
      video.current.currentTime = Math.max(0, seconds);
    }
  };

  useEffect(() => {
    const screenLifetime = lifetime.current;
    const { signal } = screenLifetime;
    heading.current?.focus();
    client.getItem({ id: itemId }, { signal }).then((read) => {
      setItem(read);
      if (read.targetKind === TargetKind.VIDEO) {
        probe.getVideoSources({ videoId: read.targetId }, { signal }).then(setSources, showCallError);
      }
    }, showCallError);
    if (mayDecide) {
      client.listPolicyCodes({}, { signal }).then((answer) => setPolicyCodes(answer.codes), showCallError);
    }
    return () => screenLifetime.abort();
  }, []);

  // Attached as the screen is drawn, not after the browser has painted it (useEffect): a key
  // pressed as soon as the screen shows would otherwise find no listener and be lost.
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const key = shortcutOf(event);
      const chosen = decisions.find((candidate) => candidate.key === key);
      if (chosen && mayDecide && decision === null) {
        event.preventDefault();
        setAction(chosen.action);
        // On the chosen action, once drawn: Tab goes on to its policy codes and justification.
        window.setTimeout(() => document.getElementById(actionInputId(chosen.key))?.focus(), 0);
      } else if (key === "j" || key === "k") {
        event.preventDefault();
        onNavigate(key === "j" ? 1 : -1);
      } else if (key === "Escape") {
        event.preventDefault();
        onBack();
      } else if (key === "r") {
        event.preventDefault();
        setRevealed(true);
      } else if (key === "n" && mayDecide && decision === null) {
        event.preventDefault();
        addNote();
      } else if (video.current !== null && ["p", "ArrowLeft", "ArrowRight", ",", "."].includes(key)) {
        event.preventDefault();
        controlVideo(video.current, key);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [mayDecide, decision, onNavigate, onBack, notes]);

  return (
    <ScreenFrame
      screen={screen}
      screenClass="item-screen"
      title={`Item ${itemId.toString()}`}
      keyBindings={keyBindings}
      barStart={
        <button type="button" onClick={onBack}>
          Back to the queue
        </button>
      }
      barContent={
        <p class="updated">
          {position.index + 1} of {position.count} in the queue
        </p>
      }
    >
      {item === null ? (
        <p class="placeholder">Loading&hellip;</p>
      ) : (
        <>
          <ItemDetails item={item} nowMs={nowMs} />
          {mayDecide && item.claimedBy === principal.name && decision === null && (
            <LeaseControls client={client} item={item} onChanged={setItem} onCallError={showCallError} />
          )}
          {item.targetKind === TargetKind.VIDEO && (
            <>
              <label class="wellness">
                <input
                  type="checkbox"
                  checked={shieldMedia}
                  onChange={(changed) => {
                    const shield = (changed.currentTarget as HTMLInputElement).checked;
                    setShieldMedia(shield);
                    saveShieldMedia(principal.name, shield);
                  }}
                />
                Start videos and thumbnails blurred and muted
              </label>
              {sources === null ? (
                <p class="placeholder">Finding the video&rsquo;s distributor nodes&hellip;</p>
              ) : (
                <MediaPlayer
                  sources={sources}
                  shielded={shieldMedia}
                  revealed={revealed}
                  onReveal={() => setRevealed(true)}
                  videoRef={video}
                />
              )}
              {mayDecide && (
                <EvidenceNotes
                  notes={notes}
                  onChange={setNotes}
                  onAdd={addNote}
                  onSeek={seekTo}
                  disabled={decision !== null}
                />
              )}
            </>
          )}
          {mayDecide &&
            (decision === null ? (
              <DecisionForm
                client={client}
                item={item}
                policyCodes={policyCodes}
                evidence={notes}
                action={action}
                onActionChange={setAction}
                onDecided={(made) => {
                  setError("");
                  setDecision(made);
                }}
                onCallError={showCallError}
                signal={lifetime.current.signal}
              />
            ) : (
              <DecisionMade decision={decision} />
            ))}
          <ChannelHistory
            review={client}
            log={log}
            channelId={item.channelId}
            itemId={item.id}
            signal={lifetime.current.signal}
            onCallError={showCallError}
          />
        </>
      )}
    </ScreenFrame>
  );
}

/** The id of the radio button that chooses the decision with the key `key`. */
function actionInputId(key: string): string {
  return `action-${key}`;
}

/** p plays or pauses; the arrows seek 5 s; "," and "." step a frame, paused. */

function controlVideo(player: HTMLVideoElement, key: string) {
  if (key === "p") {
    if (player.paused) {
      void player.play().catch(() => undefined);  // refused autoplay or no source: the controls stay
    } else {
      player.pause();
    }
    return;
  }
  const step =
    key === "ArrowLeft" ? -seekStepSeconds : key === "ArrowRight" ? seekStepSeconds : key === "," ? -frameStepSeconds : frameStepSeconds;
  if (key === "," || key === ".") {
    player.pause();
  }
  const end = Number.isFinite(player.duration) ? player.duration : Number.POSITIVE_INFINITY;
  player.currentTime = Math.min(end, Math.max(0, player.currentTime + step));
}

/** Renew (another lease length from now) and release the caller's claim on the item. */
function LeaseControls({
  client,
  item,
  onChanged,
  onCallError,
}: {
  client: ReviewClient;
  item: Item;
  onChanged: (item: Item) => void;
  onCallError: (error: unknown) => void;
}) {
  const [done, setDone] = useState("");
  const renew = async () => {
    try {
      const answer = await client.renewClaims({ itemIds: [item.id] });
      const renewed = answer.items.find((candidate) => candidate.id === item.id);
      if (renewed !== undefined) {
        onChanged({ ...renewed, details: item.details });
      }
      setDone("Lease renewed.");
    } catch (callError) {
      onCallError(callError);
    }
  };
  const release = async () => {
    try {
      await client.releaseItems({ itemIds: [item.id] });
      onChanged(await client.getItem({ id: item.id }));
      setDone("Released: the item is back in the queue.");
    } catch (callError) {
      onCallError(callError);
    }
  };
  return (
    <div class="lease-controls">
      <button type="button" onClick={() => void renew()}>
        Renew the lease
      </button>
      <button type="button" onClick={() => void release()}>
        Release the item
      </button>
      <span role="status" class="notice">
        {done}
      </span>
    </div>
  );
}

/**
 * 128 random bits in hex for DecideItemRequest.request_id. crypto.getRandomValues, unlike
 * crypto.randomUUID, also works on a page served over plain HTTP from a host other than loopback.
 */
function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function ItemDetails({ item, nowMs }: { item: Item; nowMs: number }) {
  const details = item.details;
  const leaseMs = item.leaseExpireTime === undefined ? null : timestampMs(item.leaseExpireTime);
  return (
    <section class="item-details" aria-labelledby="item-title">
      <h2 id="item-title">
        <UntrustedText text={item.title} maxCodePoints={300} placeholder="(no title)" />
      </h2>
      <dl class="facts">
        <div>
          <dt>Kind</dt>
          <dd>
            {targetKindLabels[item.targetKind]} {item.targetId === "" ? "" : `#${clip(neutralise(item.targetId), 40)}`}
          </dd>
        </div>
        <div>
          <dt>Why in the queue</dt>
          <dd>{itemReasonLabels[item.reason]}</dd>
        </div>
        <div>
          <dt>Channel</dt>
          <dd>
            <UntrustedText text={item.channelTitle} maxCodePoints={200} placeholder="(no name)" />
            {item.channelId !== "" && <span class="muted"> #{clip(neutralise(item.channelId), 40)}</span>}
            {details !== undefined && details.channelOwnerHandle !== "" && (
              <>
                {" owned by "}
                <UntrustedText text={details.channelOwnerHandle} maxCodePoints={100} placeholder="" />
              </>
            )}
            {details?.channelIsCensored && <span class="badge badge-unplayable"> channel censored</span>}
          </dd>
        </div>
        <div>
          <dt>Category</dt>
          <dd>
            <UntrustedText text={item.categoryName} maxCodePoints={100} placeholder="(none)" />
          </dd>
        </div>
        {details !== undefined && <MetadataFacts details={details} />}
        <div>
          <dt>Uploaded</dt>
          <dd>{item.uploadTime === undefined ? "\u2014" : timestampDate(item.uploadTime).toLocaleString()}</dd>
        </div>
        <div class={item.breached ? "count-breached" : item.atRisk ? "count-at-risk" : undefined}>
          <dt>Due</dt>
          <dd>
            {item.dueTime === undefined ? "\u2014" : <DueTime due={item.dueTime} nowMs={nowMs} />}
            {item.breached ? " (breached)" : item.atRisk ? " (at risk)" : ""}
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>
            {itemStateLabels[item.state]}
            <ByName name={item.claimedBy} />
          </dd>
        </div>
        <div>
          <dt>Lease</dt>
          <dd class="lease">
            {leaseMs === null ? (
              "none"
            ) : leaseMs > nowMs ? (
              <>ends {describeDue(leaseMs, nowMs)}</>
            ) : (
              <>ended {describeDue(leaseMs, nowMs).replace(" overdue", " ago")}</>
            )}
          </dd>
        </div>
        <div>
          <dt>Playability</dt>
          <dd>
            <span class={verdictBadgeClasses[item.playability]}>{verdictLabels[item.playability]}</span>
            {item.playabilitySummary !== "" && (
              <span class="summary"> {clip(neutralise(item.playabilitySummary), maxSummaryCodePoints)}</span>
            )}
          </dd>
        </div>
      </dl>
      {details !== undefined && (
        <div class="description">
          <h3>Description</h3>
          <UntrustedLongText text={details.description} maxCodePoints={600} placeholder="(no description)" />
        </div>
      )}
    </section>
  );
}

// The two licence codes the YouTube partner programme's sync sets (joystream.md § 10); other codes
// are shown as numbers rather than guessed at.
const licenceNames: Record<number, string> = {
  1002: "YouTube's Creative Commons, as synced",
  1009: "YouTube's standard licence, as synced",
};

function describeFlag(value: boolean | undefined, yes: string, no: string): string {
  return value === undefined ? "" : value ? yes : no;
}

/** The metadata the chain holds beyond the queue's columns (GetItem's TargetDetails). */
function MetadataFacts({ details }: { details: TargetDetails }) {
  const flags = [
    describeFlag(details.isPublic, "public", "unlisted"),
    details.isCensored ? "censored" : "",
    describeFlag(details.isExplicit, "explicit", ""),
    describeFlag(details.hasMarketing, "has marketing", ""),
  ].filter((flag) => flag !== "");
  const declared = [
    details.pixelWidth > 0 ? `${details.pixelWidth}×${details.pixelHeight}` : "",
    details.declaredContainer,
    details.declaredCodec,
    details.declaredMimeType,
  ].filter((part) => part !== "");
  return (
    <>
      <div>
        <dt>Language</dt>
        <dd>
          <UntrustedText text={details.language} maxCodePoints={20} placeholder="(none)" />
        </dd>
      </div>
      <div>
        <dt>Licence</dt>
        <dd>
          {details.licenseCode === 0
            ? "(none given)"
            : `${licenceNames[details.licenseCode] ?? "code"} (${details.licenseCode})`}
          {details.licenseAttribution !== "" && (
            <>
              {", attribution: "}
              <UntrustedText text={details.licenseAttribution} maxCodePoints={200} placeholder="" />
            </>
          )}
          {details.licenseCustomText !== "" && (
            <>
              {", terms: "}
              <UntrustedText text={details.licenseCustomText} maxCodePoints={300} placeholder="" />
            </>
          )}
        </dd>
      </div>
      {details.duration !== undefined && (
        <div>
          <dt>Duration</dt>
          <dd>{formatMediaTime(Number(details.duration.seconds))} (declared)</dd>
        </div>
      )}
      <div>
        <dt>Flags</dt>
        <dd>{flags.length === 0 ? "none" : flags.join(", ")}</dd>
      </div>
      {details.youtubeVideoId !== "" && (
        <div>
          <dt>YouTube id</dt>
          <dd>
            <code>{clip(neutralise(details.youtubeVideoId), 40)}</code>
          </dd>
        </div>
      )}
      {declared.length > 0 && (
        <div>
          <dt>Media (declared)</dt>
          <dd>{clip(neutralise(declared.join(", ")), 200)}</dd>
        </div>
      )}
    </>
  );
}

interface DecisionFormProps {
  client: ReviewClient;
  item: Item;
  policyCodes: PolicyCode[];
  evidence: DraftNote[];
  action: Action | null;
  onActionChange: (action: Action) => void;
  onDecided: (decision: Decision) => void;
  onCallError: (error: unknown) => void;
  signal: AbortSignal;
}

function DecisionForm({
  client,
  item,
  policyCodes,
  evidence,
  action,
  onActionChange,
  onDecided,
  onCallError,
  signal,
}: DecisionFormProps) {
  const [justification, setJustification] = useState("");
  const [note, setNote] = useState("");
  const [chosenCodes, setChosenCodes] = useState<string[]>([]);
  const [scope, setScope] = useState(CensorScope.UNSPECIFIED);
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState("");
  const sendingNow = useRef(false);

  const citesCodes = action === Action.WARN || action === Action.CENSOR;
  const needsNote = action === Action.ESCALATE;
  const targetWord = item.targetKind === TargetKind.CHANNEL ? "channel" : "video";
  const codesForAction = policyCodes.filter(
    (code) => code.action === action && (code.appliesTo === "any" || code.appliesTo === targetWord),
  );
  const visible = visibleLength(justification);
  const bytes = utf8Bytes(justification).length;
  const justificationProblem = !citesCodes
    ? ""
    : visible < minJustificationChars
      ? `${minJustificationChars - visible} more visible characters needed`
      : bytes > maxTextBytes
        ? `${bytes - maxTextBytes} bytes too long`
        : "";

  const decide = async (event: Event) => {
    event.preventDefault();
    if (action === null) {
      setProblem("Choose a decision first.");
      return;
    }
    if (justificationProblem !== "") {
      setProblem(`Justification: ${justificationProblem}.`);
      return;
    }
    if (citesCodes && !chosenCodes.some((code) => codesForAction.some((known) => known.code === code))) {
      setProblem("Cite at least one policy code.");
      return;
    }
    if (needsNote && visibleLength(note) === 0) {
      setProblem("Write the note to the lead.");
      return;
    }
    const badNote = evidence.find((draft) => evidenceNoteProblem(draft) !== "");
    if (badNote !== undefined) {
      setProblem(`Evidence note at ${formatMediaTime(badNote.offsetSeconds)}: ${evidenceNoteProblem(badNote)}.`);
      return;
    }
    if (sendingNow.current) {
      return;
    }
    sendingNow.current = true;
    setSending(true);
    setProblem("");
    try {
      const decision = await client.decideItem(
        {
          itemId: item.id,
          action,
          justification: citesCodes ? utf8Bytes(justification) : new Uint8Array(),
          policyCodes: citesCodes
            ? chosenCodes.filter((code) => codesForAction.some((known) => known.code === code))
            : [],
          note: action === Action.WARN || needsNote ? utf8Bytes(note) : new Uint8Array(),
          censorScope: action === Action.CENSOR ? scope : CensorScope.UNSPECIFIED,
          requestId: newRequestId(),
          evidence: evidence.map((draft) => ({
            offset: create(DurationSchema, { seconds: BigInt(draft.offsetSeconds) }),
            text: utf8Bytes(draft.text),
          })),
        },
        { signal },
      );
      onDecided(decision);
    } catch (callError) {
      onCallError(callError);
    } finally {
      sendingNow.current = false;
      setSending(false);
    }
  };

  return (
    <form class="decision" onSubmit={decide} noValidate aria-labelledby="decision-heading">
      <h2 id="decision-heading">Decision</h2>
      <fieldset class="actions">
        <legend>Action</legend>
        {decisions.map(({ action: choice, key }) => (
          <label key={choice}>
            <input
              type="radio"
              name="action"
              id={actionInputId(key)}
              checked={action === choice}
              onChange={() => onActionChange(choice)}
              aria-keyshortcuts={key}
            />
            {actionLabels[choice]} <kbd>{key}</kbd>
          </label>
        ))}
      </fieldset>
      {citesCodes && (
        <>
          <fieldset class="codes">
            <legend>Policy codes</legend>
            {codesForAction.length === 0 ? (
              <p class="placeholder">No policy code applies to this {targetWord}.</p>
            ) : (
              codesForAction.map((code) => (
                <label key={code.code}>
                  <input
                    type="checkbox"
                    checked={chosenCodes.includes(code.code)}
                    onChange={(changed) =>
                      setChosenCodes((codes) =>
                        (changed.currentTarget as HTMLInputElement).checked
                          ? [...codes, code.code]
                          : codes.filter((kept) => kept !== code.code),
                      )
                    }
                  />
                  <code>{clip(neutralise(code.code), 60)}</code> {clip(neutralise(code.title), 200)}
                </label>
              ))
            )}
          </fieldset>
          <label for="justification">Justification</label>
          <textarea
            id="justification"
            rows={4}
            value={justification}
            onInput={(typed) => setJustification((typed.currentTarget as HTMLTextAreaElement).value)}
            aria-describedby="justification-count"
            aria-invalid={justification !== "" && justificationProblem !== ""}
          />
          <p id="justification-count" class={justificationProblem === "" ? "help" : "help short"}>
            {visible} visible characters, at least {minJustificationChars}; {bytes} of {maxTextBytes} bytes
            {justificationProblem === "" ? "" : ` (${justificationProblem})`}
          </p>
        </>
      )}
      {action === Action.CENSOR && item.targetKind === TargetKind.VIDEO && (
        <fieldset class="scope">
          <legend>Hide</legend>
          <label>
            <input
              type="radio"
              name="scope"
              checked={scope !== CensorScope.CHANNEL}
              onChange={() => setScope(CensorScope.VIDEO)}
            />
            this video
          </label>
          <label>
            <input
              type="radio"
              name="scope"
              checked={scope === CensorScope.CHANNEL}
              onChange={() => setScope(CensorScope.CHANNEL)}
            />
            its whole channel
          </label>
        </fieldset>
      )}
      {(action === Action.WARN || needsNote) && (
        <>
          <label for="note">
            {needsNote ? "Note to the lead" : "Message to the creator (the justification if left empty)"}
          </label>
          <textarea
            id="note"
            rows={3}
            value={note}
            onInput={(typed) => setNote((typed.currentTarget as HTMLTextAreaElement).value)}
          />
        </>
      )}
      <button type="submit" disabled={sending || action === null}>
        {sending ? "Sending\u2026" : action === null ? "Choose a decision" : actionLabels[action]}
      </button>
      <p role="alert" class="error">
        {problem}
      </p>
    </form>
  );
}

function DecisionMade({ decision }: { decision: Decision }) {
  const [copied, setCopied] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(decision.chainCommand);
      setCopied("Copied.");
    } catch {
      setCopied("The browser refused to copy; select the command and copy it by hand.");
    }
  };
  return (
    <section class="decision-made" aria-labelledby="decided-heading">
      <h2 id="decided-heading" ref={heading} tabIndex={-1}>
        Decided: {actionLabels[decision.action].toLowerCase()}
      </h2>
      <p>
        Logged as <code>{clip(neutralise(decision.entryReference), 60)}</code>
        <ByName name={decision.decidedBy} />
        .
      </p>
      {decision.chainCommand !== "" && (
        <>
          <p>Apply it on chain with your own moderator key:</p>
          <pre class="chain-command">
            <code>{neutralise(decision.chainCommand)}</code>
          </pre>
          {neutralise(decision.chainCommand) !== decision.chainCommand && (
            <p class="error">
              The command holds control or bidirectional characters, shown here as \uFFFD; check it
              before you run it.
            </p>
          )}
          <button type="button" onClick={() => void copy()}>
            Copy the command
          </button>
          <p role="status" class="notice">
            {copied}
          </p>
        </>
      )}
    </section>
  );
}
