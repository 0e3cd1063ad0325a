// Text a caller sent, as an error message may quote it: bounded, so a hostile request (a
// megabyte-long field name, path or header) is never reflected in full.

/** The first max - 3 characters and "...", when the text is longer than max. */
export function capped(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
