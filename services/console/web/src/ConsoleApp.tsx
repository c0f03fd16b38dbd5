import { useState } from "preact/hooks";
import type { ReviewClient } from "./api";
import { QueueScreen } from "./QueueScreen";
import { SignInScreen } from "./SignInScreen";

/** The console: the sign-in screen until a token works, then the queue. */
export function ConsoleApp() {
  const [client, setClient] = useState<ReviewClient | null>(null);
  // Why the last session ended, when the server ended it (an expired or revoked token).
  const [endedBecause, setEndedBecause] = useState("");

  if (client === null) {
    return (
      <SignInScreen
        initialError={endedBecause}
        onSignedIn={(signedInClient) => {
          setEndedBecause("");
          setClient(signedInClient);
        }}
      />
    );
  }
  return (
    <QueueScreen
      client={client}
      onSignOut={() => setClient(null)}
      onSessionEnded={(message) => {
        setEndedBecause(message);
        setClient(null);
      }}
    />
  );
}
