import { useCallback, useEffect, useState } from "preact/hooks";
import {
  createReviewClient,
  currentSession,
  describeCallError,
  isCanceled,
  isUnauthenticated,
  type SessionPrincipal,
} from "./api";
import { QueueScreen } from "./QueueScreen";
import { SignInScreen } from "./SignInScreen";

// No token or session id in it: the cookie carries the session, so one client serves every
// session this page sees.
const client = createReviewClient();

type SessionState =
  | { kind: "resuming" }
  | { kind: "signed-out"; because: string }
  | { kind: "signed-in"; principal: SessionPrincipal };

/**
 * The console: on load it asks curationd whether the session cookie still names a live
 * session (so a reload keeps the curator signed in); then the sign-in screen until there is a
 * session, the queue while there is one.
 */
export function ConsoleApp() {
  const [session, setSession] = useState<SessionState>({ kind: "resuming" });

  useEffect(() => {
    const lifetime = new AbortController();
    currentSession(lifetime.signal).then(
      (principal) => setSession({ kind: "signed-in", principal }),
      (callError: unknown) => {
        if (isCanceled(callError)) {
          return;
        }
        // No session is the usual case on a first visit, not something to report.
        setSession({
          kind: "signed-out",
          because: isUnauthenticated(callError) ? "" : describeCallError(callError),
        });
      },
    );
    return () => lifetime.abort();
  }, []);

  // Stable across renders, so the queue's refresh timer is not restarted by one.
  const signedIn = useCallback(
    (principal: SessionPrincipal) => setSession({ kind: "signed-in", principal }),
    [],
  );
  const signedOut = useCallback(() => setSession({ kind: "signed-out", because: "" }), []);
  const sessionEnded = useCallback(
    (message: string) => setSession({ kind: "signed-out", because: message }),
    [],
  );

  switch (session.kind) {
    case "resuming":
      return (
        <main class="sign-in">
          <h1>Curation console</h1>
          <p role="status">Checking for a session&hellip;</p>
        </main>
      );
    case "signed-out":
      return <SignInScreen initialError={session.because} onSignedIn={signedIn} />;
    case "signed-in":
      return (
        <QueueScreen
          client={client}
          principal={session.principal}
          onSignedOut={signedOut}
          onSessionEnded={sessionEnded}
        />
      );
  }
}
