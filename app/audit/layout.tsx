// The frame of the auditor's pages (/audit and what it links to): a wide document page.
import type { ReactNode } from "react";

export default function AuditLayout({ children }: { children: ReactNode }) {
  return <div className="doc-page wide">{children}</div>;
}
