import { useCallback } from "preact/hooks";
import { describeCallError, isCanceled, isUnauthenticated } from "./api";

/**
 * What a screen does with a call that failed: nothing when the screen cancelled it itself (it
 * went away), back to sign-in with the reason when the session has ended, else the error shown.
 */
export function useCallErrorHandler(
  onSessionEnded: (reason: string) => void,
  showError: (message: string) => void,
): (callError: unknown) => void {
  return useCallback(
    (callError: unknown) => {
      if (isCanceled(callError)) {
        return;
      }
      if (isUnauthenticated(callError)) {
        onSessionEnded(describeCallError(callError));
        return;
      }
      showError(describeCallError(callError));
    },
    [onSessionEnded, showError],
  );
}
