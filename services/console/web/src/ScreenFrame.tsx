import type { ComponentChildren, RefObject } from "preact";
import { useRef, useState } from "preact/hooks";
import type { SessionPrincipal } from "./api";
import { useCallErrorHandler } from "./call_errors";
import { KeyHelp, type KeyBinding } from "./KeyHelp";
import { useShortcuts } from "./keyboard";
import { SessionControls } from "./SessionControls";

/** Who is signed in, and what a screen calls when that ends. */
export interface Session {
  principal: SessionPrincipal;
  /** The person signed out and curationd ended the session. */
  onSignedOut: () => void;
  /** The server no longer accepts the session; `message` says why. */
  onSessionEnded: (message: string) => void;
}

/** What the workspace hands each of its screens. */
export interface WorkspaceScreenProps<Client> {
  client: Client;
  session: Session;
}

/** What every screen keeps: the session, its heading, its error and what a failed call does. */
export interface ScreenState {
  session: Session;
  /** The heading takes the focus when its screen opens, so a screen reader starts there. */
  heading: RefObject<HTMLHeadingElement>;
  /** Shown as an alert above the screen's content; "" for none. */
  error: string;
  setError: (message: string) => void;
  /** A failed call: ignored when cancelled, back to sign-in when the session ended, else shown. */
  showCallError: (callError: unknown) => void;
}

export function useScreenState(session: Session): ScreenState {
  const heading = useRef<HTMLHeadingElement>(null);
  const [error, setError] = useState("");
  const showCallError = useCallErrorHandler(session.onSessionEnded, setError);
  return { session, heading, error, setError, showCallError };
}

interface ScreenFrameProps {
  screen: ScreenState;
  /** The class of the screen's outermost element, for its styles. */
  screenClass: string;
  title: string;
  /** The screen's own keys, listed by "?" before the navigation's. */
  keyBindings: KeyBinding[];
  /** What the screen puts in its banner before the heading (a way back). */
  barStart?: ComponentChildren;
  /** What the screen adds to its banner, between the heading and the session controls. */
  barContent?: ComponentChildren;
  children: ComponentChildren;
}

/** When a screen that refreshes itself last did, and a button to do it now. */
export function RefreshControls({
  updatedAt,
  intervalMs,
  onRefresh,
}: {
  updatedAt: Date | null;
  intervalMs: number;
  onRefresh: () => void;
}) {
  return (
    <>
      <p class="updated">
        {updatedAt === null
          ? "Loading\u2026"
          : `Updated ${updatedAt.toLocaleTimeString()}, again every ${intervalMs / 1000} s`}
      </p>
      <button type="button" onClick={onRefresh}>
        Refresh now
      </button>
    </>
  );
}

/**
 * The frame of every screen: a banner with the heading, the screen's
 * additions and who is signed in; then the main content, under the key list that "?" toggles
 * and the screen's error.
 */
export function ScreenFrame({
  screen: { session, heading, error, setError },
  screenClass,
  title,
  keyBindings,
  barStart,
  barContent,
  children,
}: ScreenFrameProps) {
  const [showKeys, setShowKeys] = useState(false);
  useShortcuts({ "?": () => setShowKeys((shown) => !shown) });
  return (
    <div class={screenClass}>
      <header class="top-bar">
        {barStart}
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <div class="top-bar-middle">{barContent}</div>
        <SessionControls principal={session.principal} onSignedOut={session.onSignedOut} onError={setError} />
      </header>
      <main>
        {showKeys && <KeyHelp bindings={keyBindings} onClose={() => setShowKeys(false)} />}
        <p role="alert" class="error">
          {error}
        </p>
        {children}
      </main>
    </div>
  );
}
