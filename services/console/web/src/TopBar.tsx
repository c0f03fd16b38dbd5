import type { ComponentChildren, Ref } from "preact";
import type { SessionPrincipal } from "./api";
import { SessionControls } from "./SessionControls";

interface TopBarProps {
  title: string;
  /** The heading takes the focus when its screen opens, so a screen reader starts there. */
  headingRef: Ref<HTMLHeadingElement>;
  principal: SessionPrincipal;
  onSignedOut: () => void;
  onError: (message: string) => void;
  /** What the screen adds between its heading and the session controls. */
  children?: ComponentChildren;
}

/** A screen's banner: its heading, what the screen puts there, and who is signed in. */
export function TopBar({ title, headingRef, principal, onSignedOut, onError, children }: TopBarProps) {
  return (
    <header class="top-bar">
      <h1 ref={headingRef} tabIndex={-1}>
        {title}
      </h1>
      <div class="top-bar-middle">{children}</div>
      <SessionControls principal={principal} onSignedOut={onSignedOut} onError={onError} />
    </header>
  );
}

/** What the workspace hands each of its screens. */
export interface WorkspaceScreenProps<Client> {
  client: Client;
  principal: SessionPrincipal;
  /** The person signed out and curationd ended the session. */
  onSignedOut: () => void;
  /** The server no longer accepts the session; `message` says why. */
  onSessionEnded: (message: string) => void;
}
