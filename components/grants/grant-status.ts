import type { MessageKey } from "@/lib/i18n/messages";

/** A grant's status in words: a grant is 撤销 (withdrawn, as its button says), a device key 吊销. */
export const grantStatusKey = (status: string) => (status === "revoked" ? "grantStatus.revoked" : `status.${status}`) as MessageKey;
