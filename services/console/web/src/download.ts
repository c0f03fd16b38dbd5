// Files the console hands to the browser to save: built in memory, never fetched from a URL, so
// the session cookie and the Connect headers stay on the calls that made them.

/** Offers `content` as a download named `fileName` (of type `contentType`). */
export function saveFile(fileName: string, contentType: string, content: BlobPart[]): void {
  const url = URL.createObjectURL(new Blob(content, { type: contentType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  // Revoked once the click has been handled rather than at once, which can cancel the download
  // in some browsers; kept, the URL would hold the file's memory until the page goes.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
