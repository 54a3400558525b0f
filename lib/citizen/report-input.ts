// The fields of a new report, as both the report page's API and Open311 POST give them.
import { z } from "zod";
import { controlCharIndex } from "../ledger/encoding";

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => controlCharIndex(s, true) < 0, "must not contain control characters");

export const MAX_DESCRIPTION = 4000;
export const MAX_PHOTOS = 3;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

export const NewReportFields = z.strictObject({
  service_code: z.string().min(1, "is required").max(64),
  description: text(MAX_DESCRIPTION).refine((s) => s.trim().length > 0, "is required"),
  lat: z.number().min(-90).max(90),
  long: z.number().min(-180).max(180),
  address_string: text(256).optional(),
  attributes: z.record(z.string().max(64), z.string().max(256)).default({}),
  keep_location: z.boolean().default(false),
  email: z.email().max(254).optional(),
  phone: z.string().regex(/^[+0-9 ()-]{3,32}$/, "must be a phone number").optional(),
  first_name: text(64).optional(),
  last_name: text(64).optional(),
  /** Base64 Ed25519 public key of the reporter; with it, `signature` and `signed_at` are required. */
  reporter_key: z.string().max(64).optional(),
  signature: z.string().max(128).optional(),
  signed_at: z.iso.datetime().optional(),
});
export type NewReportFields = z.infer<typeof NewReportFields>;
