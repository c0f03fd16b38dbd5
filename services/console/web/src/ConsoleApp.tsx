import { useCallback, useState } from "preact/hooks";
import type { ReviewClient } from "./api";
import { QueueScreen } from "./QueueScreen";
import { SignInScreen } from "./SignInScreen";

/** The console: the sign-in screen until a token works, then the queue. */
export function ConsoleApp() {
  const [client, setClient] = useState<ReviewClient | null>(null);
  // Why the last session ended, when the server ended it (an expired or revoked token).
  const [endedBecause, setEndedBecause] = useState("");

  // Stable across renders, so the queue's refresh timer is not restarted by one.
  const signIn = useCallback((signedInClient: ReviewClient) => {
    setEndedBecause("");
    setClient(signedInClient);
  }, []);
  const signOut = useCallback(() => setClient(null), []);
  const endSession = useCallback((message: string) => {
    setEndedBecause(message);
    setClient(null);
  }, []);

  if (client === null) {
    return <SignInScreen initialError={endedBecause} onSignedIn={signIn} />;
  }
  return <QueueScreen client={client} onSignOut={signOut} onSessionEnded={endSession} />;
}
