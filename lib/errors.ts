/**
 * The one application error type. `code` selects the HTTP status (lib/http/respond.ts);
 * `message` is for logs and developers; `userMessage` is safe to show to anyone.
 */
export type AppErrorCode =
  | "validation"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "unprocessable"
  | "payload_too_large"
  | "rate_limited"
  | "unavailable"
  | "internal";

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly userMessage: string;
  readonly details?: unknown;

  constructor(code: AppErrorCode, message: string, userMessage = message, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.userMessage = userMessage;
    this.details = details;
  }
}

export const notFound = (what: string, id: string | number) =>
  new AppError("not_found", `${what} ${id} not found`, `${what} ${id} not found`, { what, id: String(id) });

export const badRequest = (message: string, details?: unknown) =>
  new AppError("validation", message, message, details);
