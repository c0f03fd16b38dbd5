import { useEffect, useRef, useState } from "preact/hooks";
import { createReviewClient, describeCallError, type ReviewClient } from "./api";

interface SignInScreenProps {
  /** Shown from the start, e.g. why the previous session ended. */
  initialError: string;
  onSignedIn: (client: ReviewClient) => void;
}

/**
 * Asks for an access token (issued with `curatorctl`) and checks it with one harmless call
 * before letting the person in. The field has no name and the form is never submitted by the
 * browser, so the token cannot end up in a URL or in the browser's form history.
 */
export function SignInScreen({ initialError, onSignedIn }: SignInScreenProps) {
  const tokenField = useRef<HTMLInputElement>(null);
  const [error, setError] = useState(initialError);
  const [checking, setChecking] = useState(false);

  useEffect(() => tokenField.current?.focus(), []);

  const signIn = async (event: Event) => {
    event.preventDefault();
    const field = tokenField.current;
    const token = field?.value.trim() ?? "";
    if (field === null || token === "") {
      setError("Paste your access token first.");
      return;
    }
    setChecking(true);
    setError("");
    const client = createReviewClient(token);
    try {
      await client.getQueueStats({});
      field.value = "";
      onSignedIn(client);
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
          Paste the token you were given. It stays in this tab's memory only and is gone when you
          sign out or close the tab.
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
