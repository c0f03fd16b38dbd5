// Files the console hands to the browser to save: built in memory, never fetched from a URL, so
// the session cookie and the Connect headers stay on the calls that made them.

/** Offers `content` as a download named `fileName` (of type `contentType`). */
export function saveFile(fileName: string, contentType: string, content: BlobPart[]): void {
  const url = URL.createObjectURL(new Blob(content, { type: contentType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  // The browser has taken the file when click() returns; the URL would only hold the memory.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
