import { timestampDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  Action,
  CensorScope,
  TargetKind,
  type Decision,
  type Item,
  type PolicyCode,
} from "../gen/curation/v1/review_pb";
import {
  mayWork,
  type ReviewClient,
  type SessionPrincipal,
} from "./api";
import { useCallErrorHandler } from "./call_errors";
import { DueTime, useNowMs } from "./DueTime";
import { KeyHelp, type KeyBinding } from "./KeyHelp";
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
import { SessionControls } from "./SessionControls";
import { clip, neutralise } from "./untrusted_text";
import { UntrustedText } from "./UntrustedText";
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
  { key: "j", does: "Next item in the queue" },
  { key: "k", does: "Previous item in the queue" },
  { key: "Escape", does: "Back to the queue" },
  { key: "?", does: "Show or hide this list" },
];

// The prober's summary quotes what the media said about itself.
const maxSummaryCodePoints = 500;

interface ItemScreenProps {
  client: ReviewClient;
  principal: SessionPrincipal;
  itemId: bigint;
  /** Where the item is among the queue's rows, for "3 of 6" and the keys j and k. */
  position: { index: number; count: number };
  onNavigate: (step: 1 | -1) => void;
  onBack: () => void;
  onSignedOut: () => void;
  onSessionEnded: (message: string) => void;
}

/**
 * One item (GetItem): what it is, as inert text; its due time and the caller's lease, counting
 * down; and for curators and leads the decision form (DecideItem) with the policy codes a warn
 * or censor may cite (ListPolicyCodes). After a censor, the joystream-cli command to run.
 */
export function ItemScreen({
  client,
  principal,
  itemId,
  position,
  onNavigate,
  onBack,
  onSignedOut,
  onSessionEnded,
}: ItemScreenProps) {
  const [item, setItem] = useState<Item | null>(null);
  const [policyCodes, setPolicyCodes] = useState<PolicyCode[]>([]);
  const [error, setError] = useState("");
  const [action, setAction] = useState<Action | null>(null);
  const [decision, setDecision] = useState<Decision | null>(null);
  const [showKeys, setShowKeys] = useState(false);
  const nowMs = useNowMs();
  const heading = useRef<HTMLHeadingElement>(null);
  const lifetime = useRef(new AbortController());
  const mayDecide = mayWork(principal);

  const showCallError = useCallErrorHandler(onSessionEnded, setError);

  useEffect(() => {
    const screenLifetime = lifetime.current;
    const { signal } = screenLifetime;
    heading.current?.focus();
    client.getItem({ id: itemId }, { signal }).then(setItem, showCallError);
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
      } else if (key === "j" || key === "k") {
        event.preventDefault();
        onNavigate(key === "j" ? 1 : -1);
      } else if (key === "Escape") {
        event.preventDefault();
        onBack();
      } else if (key === "?") {
        event.preventDefault();
        setShowKeys((shown) => !shown);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [mayDecide, decision, onNavigate, onBack]);

  return (
    <div class="item-screen">
      <header class="top-bar">
        <button type="button" onClick={onBack}>
          Back to the queue
        </button>
        <h1 ref={heading} tabIndex={-1}>
          Item {itemId.toString()}
        </h1>
        <p class="updated">
          {position.index + 1} of {position.count} in the queue
        </p>
        <SessionControls principal={principal} onSignedOut={onSignedOut} onError={setError} />
      </header>
      <main>
        {showKeys && <KeyHelp bindings={keyBindings} onClose={() => setShowKeys(false)} />}
        <p role="alert" class="error">
          {error}
        </p>
        {item === null ? (
          <p class="placeholder">Loading&hellip;</p>
        ) : (
          <>
            <ItemDetails item={item} nowMs={nowMs} />
            {mayDecide &&
              (decision === null ? (
                <DecisionForm
                  client={client}
                  item={item}
                  policyCodes={policyCodes}
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
          </>
        )}
      </main>
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
          </dd>
        </div>
        <div>
          <dt>Category</dt>
          <dd>
            <UntrustedText text={item.categoryName} maxCodePoints={100} placeholder="(none)" />
          </dd>
        </div>
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
            {item.claimedBy !== "" && (
              <>
                {" by "}
                <UntrustedText text={item.claimedBy} maxCodePoints={40} placeholder="" />
              </>
            )}
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
    </section>
  );
}

interface DecisionFormProps {
  client: ReviewClient;
  item: Item;
  policyCodes: PolicyCode[];
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
        {decision.decidedBy !== "" && (
          <>
            {" by "}
            <UntrustedText text={decision.decidedBy} maxCodePoints={40} placeholder="" />
          </>
        )}
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
