"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { useMe } from "../auth/use-me";
import { fetchJson } from "@/components/http/fetch-json";
import { formatCityTime } from "@/lib/i18n/city-time";
import type { ApiKeyInfo, ApiKeyKind } from "@/lib/access/api-keys";
import { TableHead } from "@/components/ui/table-head";
import { AdminNotice } from "./admin-notice";
import styles from "../console.module.css";

/**
 * A department admin's system accounts for the NGSI-LD API (/ngsi-ld/v1): API keys and OAuth
 * clients (client credentials). Issue one (the key or client secret is shown once, only its
 * hash is kept), see when each was last used, revoke it.
 */
export function ApiKeysAdmin() {
  const { t, locale } = useI18n();
  const me = useMe();
  const role = me.data?.user?.role;
  const admin = role === "dept_admin" || role === "sysadmin";
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ApiKeyKind>("key");
  const [shown, setShown] = useState<{ name: string; key?: string; clientId?: string; clientSecret?: string } | null>(null);
  const q = useQuery({ queryKey: ["api-keys"], queryFn: () => fetchJson<{ keys: ApiKeyInfo[] }>("/api/api-keys"), enabled: admin, retry: false });
  const create = useMutation({
    mutationFn: (n: string) => fetchJson<ApiKeyInfo & { key?: string; clientId?: string; clientSecret?: string }>("/api/api-keys", { method: "POST", json: { name: n, kind } }),
    onSuccess: (k) => {
      setShown({ name: k.name, key: k.key, clientId: k.clientId, clientSecret: k.clientSecret });
      setName("");
      void qc.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => fetchJson<ApiKeyInfo>(`/api/api-keys/${id}`, { method: "DELETE" }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  if (!admin) return null;
  const keys = q.data?.keys ?? [];
  return (
    <section className={styles.page} data-testid="api-keys-admin">
      <h2>{t("apikeys.title")}</h2>
      <p className={styles.intro}>{t("apikeys.intro")}</p>
      <form
        className={styles.toolbar}
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate(name.trim());
        }}
      >
        <select aria-label={t("apikeys.kind")} value={kind} onChange={(e) => setKind(e.target.value as ApiKeyKind)} data-testid="api-key-kind">
          <option value="key">{t("apikeys.kindKey")}</option>
          <option value="oauth_client">{t("apikeys.kindOAuth")}</option>
        </select>
        <input aria-label={t("apikeys.name")} placeholder={t("apikeys.namePlaceholder")} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} size={28} />
        <button className={styles.button} type="submit" disabled={!name.trim() || create.isPending}>
          {kind === "key" ? t("apikeys.create") : t("apikeys.createClient")}
        </button>
      </form>
      <AdminNotice error={q.error ?? create.error ?? revoke.error} loading={q.isLoading} />
      {shown && (
        <div className={styles.notice} data-testid="api-key-shown" role="status">
          <strong>{shown.key ? t("apikeys.shownOnce") : t("apikeys.oauthShownOnce")}</strong> {shown.name}
          <pre className={`${styles.raw} ${styles.mono}`}>{shown.key ?? `client_id=${shown.clientId}\nclient_secret=${shown.clientSecret}` /* the protocol's own parameter names, in every language */}</pre>
          <button className={`${styles.button} ${styles.ghost}`} onClick={() => setShown(null)}>
            {t("apikeys.done")}
          </button>
        </div>
      )}
      {keys.length === 0 ? (
        q.data && <p className={styles.muted}>{t("apikeys.empty")}</p>
      ) : (
        <table className={styles.table}>
          <TableHead headings={[t("apikeys.name"), t("apikeys.kind"), t("apikeys.id"), t("apikeys.created"), t("apikeys.lastUsed"), t("apikeys.state"), ""]} />
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-testid="api-key" data-kind={k.kind}>
                <td>{k.name}</td>
                <td>{k.kind === "oauth_client" ? t("apikeys.kindOAuth") : t("apikeys.kindKey")}</td>
                <td className={styles.mono}>{k.id}</td>
                <td className={styles.muted}>{formatCityTime(k.createdAt, locale)}</td>
                <td className={styles.muted}>{k.lastUsedAt ? formatCityTime(k.lastUsedAt, locale) : t("apikeys.never")}</td>
                <td>
                  {k.revokedAt ? (
                    <span className={`${styles.badge} ${styles.revoked}`}>
                      {t("apikeys.revoked")} {formatCityTime(k.revokedAt, locale)}
                    </span>
                  ) : (
                    <span className={styles.badge}>{t("apikeys.active")}</span>
                  )}
                </td>
                <td>
                  {!k.revokedAt && (
                    <button className={`${styles.button} ${styles.ghost}`} disabled={revoke.isPending} onClick={() => revoke.mutate(k.id)}>
                      {t("apikeys.revoke")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
