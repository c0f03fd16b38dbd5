// Wellness: a video and its thumbnail start blurred and muted until the curator reveals them
// (issue 16), unless that person has chosen otherwise. The choice is kept in this browser under
// the principal's name: it is a preference, not a secret, and follows the person, not the item.

const keyPrefix = "curation.wellness.shield-media.";

/** Whether `principalName` wants media to start blurred and muted; yes unless they said no. */
export function loadShieldMedia(principalName: string): boolean {
  try {
    return window.localStorage.getItem(keyPrefix + principalName) !== "off";
  } catch {
    return true;  // storage refused (a private window, a policy): the careful default
  }
}

export function saveShieldMedia(principalName: string, shield: boolean): void {
  try {
    window.localStorage.setItem(keyPrefix + principalName, shield ? "on" : "off");
  } catch {
    // Not kept: the setting holds for this page only, which the checkbox still shows.
  }
}
