// A Redis URL can hold a password (redis://user:secret@host): every place that shows one
// (logs, errors, the start-up message) shows it through redactRedisUrl.

/** The URL as given, with the password between "user:" and the last "@" of its authority replaced by "***". */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-zA-Z][\w+.-]*:\/\/[^:@/?#]*):[^/?#]*@/, '$1:***@');
}
