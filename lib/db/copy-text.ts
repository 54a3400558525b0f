/**
 * Splits PostgreSQL COPY text-format output into rows of fields: tab-separated, one row
 * per line, `\N` is NULL, and backslash escapes (\\ \t \n \r \b \f \v and octal/hex) are undone.
 */
export function parseCopyText(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    rows.push(line.split("\t").map(unescapeField));
  }
  return rows;
}

const ESC: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

function unescapeField(f: string): string | null {
  if (f === "\\N") return null;
  if (!f.includes("\\")) return f;
  return f.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESC[e] ?? e;
  });
}
