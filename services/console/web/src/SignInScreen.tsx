import { useEffect, useRef, useState } from "preact/hooks";
import { describeCallError, startSession, type SessionPrincipal } from "./api";

interface SignInScreenProps {
  /** Shown from the start, e.g. why the previous session ended. */
  initialError: string;
  onSignedIn: (principal: SessionPrincipal) => void;
}

/**
 * Asks for an access token (issued with `curatorctl`) and trades it for a session cookie with
 * one call to /console/session/start. The field is emptied as the call leaves, so the token is
 * held nowhere afterwards: not in the page, storage, the URL or a log. The field has no name and
 * the form is never submitted by the browser, so the token cannot reach the browser's form
 * history either.
 */
export function SignInScreen({ initialError, onSignedIn }: SignInScreenProps) {
  const tokenField = useRef<HTMLInputElement>(null);
  const [error, setError] = useState(initialError);
  const [checking, setChecking] = useState(false);

  useEffect(() => tokenField.current?.focus(), []);

  const signIn = async (event: Event) => {
    event.preventDefault();
    const field = tokenField.current;
    if (field === null || checking) {
      return;
    }
    const token = field.value.trim();
    field.value = "";
    if (token === "") {
      setError("Paste your access token first.");
      return;
    }
    setChecking(true);
    setError("");
    try {
      onSignedIn(await startSession(token));
    } catch (callError) {
      setError(describeCallError(callError));
      setChecking(false);
      field.focus();
    }
  };

  return (
    <main class="sign-in">
      <h1>Curation console</h1>
      <form onSubmit={signIn} autocomplete="off" noValidate>
        <label for="access-token">Access token</label>
        <input
          id="access-token"
          ref={tokenField}
          type="password"
          autocomplete="off"
          spellcheck={false}
          aria-describedby="access-token-help"
          aria-invalid={error !== ""}
        />
        <p id="access-token-help" class="help">
          Paste the token you were given. It is sent once to start a session and not kept; the
          session lasts until you sign out or it times out.
        </p>
        <button type="submit" disabled={checking}>
          {checking ? "Signing in\u2026" : "Sign in"}
        </button>
        <p role="alert" class="error">
          {error}
        </p>
      </form>
    </main>
  );
}
