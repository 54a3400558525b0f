import type { Sql } from "../db/sql";
import { checkRead } from "../access/check-read";
import type { Viewer } from "../access/viewer";
import { AppError } from "../errors";
import { DATASETS } from "../city";
import type { AccessNote } from "../api/map-specs";

export type LayerAccess = {
  /** Datasets the viewer may read, with the access check's answer. */
  allowed: Map<string, Awaited<ReturnType<typeof checkRead>>>;
  notes: AccessNote[];
  can(datasetId: string): boolean;
};

const ownerOf = (id: string) => DATASETS.find((d) => d.id === id)?.departmentId ?? "";

/**
 * Runs the one access check (lib/access checkRead) for every dataset a map answer reads,
 * keeping its answer for the response's `access` notes. A refusal (403) becomes a note with
 * its reason; anything else (unknown dataset, database down) propagates. With `require`,
 * throws the first refusal when the viewer may read none of the datasets.
 */
export async function layerAccess(sql: Sql, viewer: Viewer, datasetIds: readonly string[], opts: { require?: boolean } = {}): Promise<LayerAccess> {
  const allowed = new Map<string, Awaited<ReturnType<typeof checkRead>>>();
  const notes: AccessNote[] = [];
  let firstRefusal: AppError | null = null;
  for (const id of datasetIds) {
    try {
      const basis = await checkRead(sql, viewer, id);
      allowed.set(id, basis);
      notes.push({ ...basis, datasetId: id, allowed: true, basis: basis.basis });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "forbidden") throw e;
      firstRefusal ??= e;
      const details = e.details as { code?: unknown } | undefined;
      notes.push({
        datasetId: id,
        allowed: false,
        ownerDepartmentId: ownerOf(id),
        ...(typeof details?.code === "string" ? { code: details.code } : {}),
        reason: e.userMessage,
      });
    }
  }
  if (opts.require && allowed.size === 0 && firstRefusal) throw firstRefusal;
  return { allowed, notes, can: (id) => allowed.has(id) };
}
