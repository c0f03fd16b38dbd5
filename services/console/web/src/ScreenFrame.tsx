import type { ComponentChildren, Ref } from "preact";
import { useState } from "preact/hooks";
import type { SessionPrincipal } from "./api";
import { KeyHelp, type KeyBinding } from "./KeyHelp";
import { useShortcuts } from "./keyboard";
import { SessionControls } from "./SessionControls";

/** What the workspace hands each of its screens. */
export interface WorkspaceScreenProps<Client> {
  client: Client;
  principal: SessionPrincipal;
  /** The person signed out and curationd ended the session. */
  onSignedOut: () => void;
  /** The server no longer accepts the session; `message` says why. */
  onSessionEnded: (message: string) => void;
}

interface ScreenFrameProps {
  /** The class of the screen's outermost element, for its styles. */
  screenClass: string;
  title: string;
  /** The heading takes the focus when its screen opens, so a screen reader starts there. */
  headingRef: Ref<HTMLHeadingElement>;
  principal: SessionPrincipal;
  onSignedOut: () => void;
  /** The screen's error, shown as an alert above its content; "" for none. */
  error: string;
  onError: (message: string) => void;
  /** The screen's own keys, listed by "?" before the navigation's. */
  keyBindings: KeyBinding[];
  /** What the screen adds to its banner, between the heading and the session controls. */
  barContent?: ComponentChildren;
  children: ComponentChildren;
}

/**
 * The frame of the log, alerts and report screens: a banner with the heading, the screen's
 * additions and who is signed in; then the main content, under the key list that "?" toggles
 * and the screen's error.
 */
export function ScreenFrame({
  screenClass,
  title,
  headingRef,
  principal,
  onSignedOut,
  error,
  onError,
  keyBindings,
  barContent,
  children,
}: ScreenFrameProps) {
  const [showKeys, setShowKeys] = useState(false);
  useShortcuts({ "?": () => setShowKeys((shown) => !shown) });
  return (
    <div class={screenClass}>
      <header class="top-bar">
        <h1 ref={headingRef} tabIndex={-1}>
          {title}
        </h1>
        <div class="top-bar-middle">{barContent}</div>
        <SessionControls principal={principal} onSignedOut={onSignedOut} onError={onError} />
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
