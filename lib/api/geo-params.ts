import { z } from "zod";
import { SafeInstant } from "./safe-input";

/** `minLon,minLat,maxLon,maxLat` in WGS84 degrees. */
export const BboxParam = z
  .string()
  .describe("Bounding box minLon,minLat,maxLon,maxLat (WGS84 degrees)")
  .transform((s, ctx) => {
    const parts = s.split(",").map((p) => Number(p.trim()));
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) {
      ctx.addIssue({ code: "custom", message: "bbox must be four numbers: minLon,minLat,maxLon,maxLat" });
      return z.NEVER;
    }
    const [minLon, minLat, maxLon, maxLat] = parts;
    if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) {
      ctx.addIssue({ code: "custom", message: "bbox is outside -180..180 longitude or -90..90 latitude" });
      return z.NEVER;
    }
    if (minLon >= maxLon || minLat >= maxLat) {
      ctx.addIssue({ code: "custom", message: "bbox minimum must be below its maximum" });
      return z.NEVER;
    }
    return [minLon, minLat, maxLon, maxLat] as [number, number, number, number];
  });

/** An ISO 8601 instant. */
export const InstantParam = SafeInstant.describe("ISO 8601 instant, e.g. 2026-11-25T08:00:00Z");
