/**
 * Where to go after sign-in: `next` when it is a path of this site, else "/". Refused: anything
 * not starting with one "/", "//" (a scheme-relative URL), absolute URLs, and anything holding
 * a backslash, a control character or whitespace either as given or once percent-decoded
 * (browsers read `/\evil.example` as `//evil.example` and drop tabs and newlines, so
 * `/%09/evil.example` becomes `//evil.example`).
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return "/";
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return "/";
  }
  for (const s of [next, decoded]) {
    if (!s.startsWith("/") || s.startsWith("//")) return "/";
    if (/[\\\s]/.test(s) || [...s].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))) return "/";
  }
  const base = "http://console.invalid";
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return "/";
  }
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : "/";
}
