import { describeCallError, endSession, isUnauthenticated, type SessionPrincipal } from "./api";
import { UntrustedText } from "./UntrustedText";

interface SessionControlsProps {
  principal: SessionPrincipal;
  /** curationd ended the session (or it had already ended). */
  onSignedOut: () => void;
  /** Signing out failed: the session may still be alive. */
  onError: (message: string) => void;
}

/** Who is signed in, and the Sign out button that ends the session on the server. */
export function SessionControls({ principal, onSignedOut, onError }: SessionControlsProps) {
  const signOut = async () => {
    try {
      await endSession();
      onSignedOut();
    } catch (callError) {
      // Already ended on the server: signed out all the same.
      if (isUnauthenticated(callError)) {
        onSignedOut();
        return;
      }
      onError(`Still signed in. ${describeCallError(callError)}`);
    }
  };
  return (
    <>
      <p class="who">
        Signed in as <UntrustedText text={principal.name} maxCodePoints={60} placeholder="" />{" "}
        <span class="role">({principal.role})</span>
      </p>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </>
  );
}
