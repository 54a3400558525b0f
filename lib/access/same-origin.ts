import { AppError } from "../errors";
import { trustedOrigins, type AuthConfig } from "../auth/auth";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF protection for state-changing requests: a browser sends Origin (and Sec-Fetch-Site)
 * on every cross-origin POST, PUT, PATCH or DELETE, so such a request must come from the
 * console's own origin or a configured trusted one. Requests without either header are
 * not from a browser page (devices, scripts) and carry no ambient credentials to abuse.
 * Throws 403 otherwise.
 */
export function assertSameOrigin(req: Request, config: AuthConfig): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  const origin = req.headers.get("origin");
  const site = req.headers.get("sec-fetch-site");
  if (origin && origin !== "null") {
    if (trustedOrigins(config, req).includes(origin.replace(/\/$/, ""))) return;
    throw new AppError("forbidden", `cross-origin ${req.method} from ${origin} refused`, "cross-origin request refused");
  }
  if (origin === "null" || site === "cross-site") {
    throw new AppError("forbidden", `cross-site ${req.method} refused (origin ${origin ?? "none"}, sec-fetch-site ${site})`, "cross-origin request refused");
  }
}
