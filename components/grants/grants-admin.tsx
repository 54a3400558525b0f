"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson, HttpError } from "../auth/fetch-json";
import { useMe } from "../auth/use-me";
import { departmentName } from "../auth/user-menu";
import { DATASETS } from "@/lib/city/datasets";
import type { GrantView } from "@/lib/grants/grant-row";
import type { MessageKey } from "@/lib/i18n/messages";
import styles from "./grants.module.css";
import { parseRequestPrefill, type RequestPrefill } from "./request-prefill";

type History = { action: string; byName: string; byDepartment: string | null; at: string; reason: string | null; leafIndex: number; terms: Record<string, unknown> };
const grantsKey = ["grants"];

/** The grants page: our datasets and who may read them, requests to decide, our own requests, history of each grant. */
export function GrantsAdmin() {
  const { t, locale } = useI18n();
  const me = useMe();
  const user = me.data?.user;
  const role = user?.role;
  const q = useQuery({ queryKey: grantsKey, queryFn: () => fetchJson<{ grants: GrantView[] }>("/api/grants"), enabled: !!role && role !== "official", refetchInterval: 10_000 });
  const notes = useQuery({
    queryKey: ["grant-notifications"],
    queryFn: () => fetchJson<{ incoming: GrantView[]; expiringSoon: GrantView[] }>("/api/grants/notifications"),
    enabled: role === "dept_admin" || role === "sysadmin",
  });
  const search = useSearchParams();
  const prefill = useMemo(() => parseRequestPrefill(new URLSearchParams(search.toString()), DATASETS.map((d) => d.id)), [search]);
  if (me.isLoading) return <div className={styles.page}>{t("admin.loading")}</div>;
  if (!user || role === "official") {
    return (
      <div className={styles.page}>
        {user && prefill ? <RequestDraft prefill={prefill} /> : null}
        <p className={styles.notice} data-testid="grants-sign-in">
          {t("grants.signIn")}
        </p>
      </div>
    );
  }
  const dept = user.departmentId;
  const grants = q.data?.grants ?? [];
  const decides = role === "dept_admin" || role === "sysadmin";
  const ownDatasets = DATASETS.filter((d) => d.departmentId === dept);
  const incoming = grants.filter((g) => g.ownerDepartmentId === dept && g.status === "requested");
  const outgoing = grants.filter((g) => g.granteeDepartmentId === dept);
  const dsName = (id: string) => {
    const d = DATASETS.find((x) => x.id === id);
    return d ? (locale === "en" ? d.nameEn : d.nameZh) : id;
  };
  const dn = (id: string) => departmentName(id, locale);

  return (
    <div className={styles.page} data-testid="grants-admin">
      <h1>{t("grants.title")}</h1>
      <p className={styles.intro}>{t("grants.intro")}</p>
      {q.error && <p className={styles.error}>{t("admin.error")}{(q.error as Error).message}</p>}
      {notes.data && notes.data.expiringSoon.length > 0 && (
        <div className={styles.notice} data-testid="expiring-soon">
          <strong>{t("grants.expiringSoon")}:</strong>{" "}
          {notes.data.expiringSoon.map((g) => `${dsName(g.datasetId)} → ${dn(g.granteeDepartmentId)} (${new Date(g.validUntil).toLocaleString(locale)})`).join("; ")}
        </div>
      )}

      {/* A request link from the map: the prefilled form first, before anything that loads later moves it. */}
      {decides && prefill ? <RequestForm dept={dept} dsName={dsName} dn={dn} prefill={prefill} /> : null}

      {decides && (
        <section className={styles.panel}>
          <h2>{t("grants.incoming")}</h2>
          {incoming.length === 0 ? <p className={styles.muted}>{t("grants.none")}</p> : <GrantTable grants={incoming} mode="decide" dsName={dsName} dn={dn} />}
        </section>
      )}

      {ownDatasets.length > 0 && (
        <section className={styles.panel} data-testid="own-datasets">
          <h2>{t("grants.myDatasets")}</h2>
          {ownDatasets.map((d) => {
            const active = grants.filter((g) => g.datasetId === d.id && g.status === "active");
            return (
              <div key={d.id} data-testid={`own-dataset-${d.id}`}>
                <h3 className={styles.small}>
                  {dsName(d.id)} <span className={styles.mono}>{d.id}</span> · {d.sensitivity}
                </h3>
                {active.length === 0 ? (
                  <p className={styles.muted}>{d.sensitivity === "public" ? t("access.public") : t("grants.noAccessOthers")}</p>
                ) : (
                  <GrantTable grants={active} mode={decides ? "revoke" : "view"} dsName={dsName} dn={dn} />
                )}
              </div>
            );
          })}
        </section>
      )}

      <section className={styles.panel}>
        <h2>{t("grants.outgoing")}</h2>
        {decides && !prefill && <RequestForm dept={dept} dsName={dsName} dn={dn} />}
        {outgoing.length === 0 ? <p className={styles.muted}>{t("grants.none")}</p> : <GrantTable grants={outgoing} mode="view" dsName={dsName} dn={dn} />}
      </section>

      {(role === "auditor" || role === "sysadmin") && (
        <section className={styles.panel}>
          <h2>{t("grants.all")}</h2>
          <GrantTable grants={grants} mode={role === "sysadmin" ? "revoke" : "view"} dsName={dsName} dn={dn} />
        </section>
      )}
    </div>
  );
}

/**
 * What an official sees for a request link from the map: requests are sent by the department's
 * admin, so the official passes the link on (it opens the admin's form with the same terms).
 */
function RequestDraft({ prefill }: { prefill: RequestPrefill }) {
  const { t, locale } = useI18n();
  const [copied, setCopied] = useState(false);
  const d = DATASETS.find((x) => x.id === prefill.datasetId);
  const link = typeof window === "undefined" ? "" : window.location.href;
  return (
    <section className={styles.panel} data-testid="request-draft">
      <h2>{t("request.title")}</h2>
      <p className={styles.muted}>{t("request.official")}</p>
      <dl data-testid="request-draft-terms">
        <dt>{t("grants.dataset")}</dt>
        <dd>{d ? (locale === "en" ? d.nameEn : d.nameZh) : prefill.datasetId}</dd>
        {prefill.scope ? (
          <>
            <dt>{t("grants.scope")}</dt>
            <dd>{t(`scope.${prefill.scope}`)}</dd>
          </>
        ) : null}
        <dt>{t("grants.purpose")}</dt>
        <dd>{prefill.purpose}</dd>
      </dl>
      <input readOnly value={link} style={{ width: "100%" }} data-testid="request-draft-link" onFocus={(e) => e.target.select()} />
      <button
        className={styles.button}
        onClick={() => {
          void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false));
        }}
        data-testid="request-draft-copy"
      >
        {copied ? t("request.copied") : t("request.copy")}
      </button>
    </section>
  );
}

function RequestForm({ dept, dsName, dn, prefill }: { dept: string; dsName: (id: string) => string; dn: (id: string) => string; prefill?: RequestPrefill | null }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const others = DATASETS.filter((d) => d.departmentId !== dept);
  const inAWeek = new Date(Date.now() + 7 * 86_400_000);
  // A link from the map prefills dataset, scope and purpose (a dataset of our own is no request).
  const pre = prefill && others.some((d) => d.id === prefill.datasetId) ? prefill : null;
  const [f, setF] = useState({
    datasetId: pre?.datasetId ?? others[0]?.id ?? "",
    scope: pre?.scope ?? "aggregated",
    fields: "",
    purpose: pre?.purpose ?? "",
    dataFrom: "",
    dataUntil: "",
    validUntil: toLocalInput(inAWeek),
  });
  const formRef = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (pre) formRef.current?.scrollIntoView({ block: "start" });
  }, [pre]);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const m = useMutation({
    mutationFn: () =>
      fetchJson("/api/grants", {
        method: "POST",
        json: {
          datasetId: f.datasetId,
          scope: f.scope,
          fields: f.fields.trim() ? f.fields.split(",").map((s) => s.trim()).filter(Boolean) : null,
          purpose: f.purpose,
          dataFrom: f.dataFrom ? new Date(f.dataFrom).toISOString() : null,
          dataUntil: f.dataUntil ? new Date(f.dataUntil).toISOString() : null,
          validUntil: f.validUntil ? new Date(f.validUntil).toISOString() : "",
        },
      }),
    onSuccess: () => {
      setMsg({ ok: true, text: t("grants.done") });
      void qc.invalidateQueries({ queryKey: grantsKey });
    },
    onError: (e) => setMsg({ ok: false, text: e instanceof HttpError ? e.message : String(e) }),
  });
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setF({ ...f, [k]: e.target.value });
  return (
    <details className={styles.panel} open data-testid="request-form" id="request-form" ref={formRef} data-prefilled={pre ? pre.datasetId : ""}>
      <summary>{t("grants.request")}</summary>
      {pre ? <p className={styles.ok} data-testid="request-prefilled">{t("request.prefilled")}</p> : null}
      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault();
          m.mutate();
        }}
      >
        <label>
          {t("grants.dataset")}
          <select value={f.datasetId} onChange={set("datasetId")} data-testid="request-dataset">
            {others.map((d) => (
              <option key={d.id} value={d.id}>
                {dsName(d.id)} ({dn(d.departmentId)})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("grants.scope")}
          <select value={f.scope} onChange={set("scope")} data-testid="request-scope">
            {(["raw", "anonymized", "aggregated"] as const).map((s) => (
              <option key={s} value={s}>
                {t(`scope.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("grants.fields")}
          <input value={f.fields} onChange={set("fields")} placeholder={Object.keys(DATASETS.find((d) => d.id === f.datasetId)?.schema.fields ?? {}).join(", ")} data-testid="request-fields" />
        </label>
        <label>
          {t("grants.purpose")}
          <input value={f.purpose} onChange={set("purpose")} required data-testid="request-purpose" />
        </label>
        <label>
          {t("grants.dataFrom")}
          <input type="datetime-local" value={f.dataFrom} onChange={set("dataFrom")} />
        </label>
        <label>
          {t("grants.dataUntil")}
          <input type="datetime-local" value={f.dataUntil} onChange={set("dataUntil")} />
        </label>
        <label>
          {t("grants.validUntil")}
          <input type="datetime-local" value={f.validUntil} onChange={set("validUntil")} required data-testid="request-valid-until" />
        </label>
        <label>
          &nbsp;
          <button type="submit" className={styles.button} disabled={m.isPending} data-testid="request-submit">
            {t("grants.submit")}
          </button>
        </label>
      </form>
      {msg && (
        <p className={msg.ok ? styles.ok : styles.error} role="status" data-testid="request-message">
          {msg.text}
        </p>
      )}
    </details>
  );
}

function GrantTable({ grants, mode, dsName, dn }: { grants: GrantView[]; mode: "decide" | "revoke" | "view"; dsName: (id: string) => string; dn: (id: string) => string }) {
  const { t, locale } = useI18n();
  return (
    <table className={styles.table}>
      <thead>
        <tr>
          <th>{t("grants.dataset")}</th>
          <th>{t("grants.owner")} → {t("grants.grantee")}</th>
          <th>{t("grants.scope")}</th>
          <th>{t("grants.fieldsShort")}</th>
          <th>{t("grants.purpose")}</th>
          <th>{t("grants.validUntil")}</th>
          <th>{t("grants.status")}</th>
          <th>{t("admin.devices.actions")}</th>
        </tr>
      </thead>
      <tbody>
        {grants.map((g) => (
          <GrantRowView key={g.id} g={g} mode={mode} dsName={dsName} dn={dn} locale={locale} />
        ))}
      </tbody>
    </table>
  );
}

function GrantRowView({ g, mode, dsName, dn, locale }: { g: GrantView; mode: "decide" | "revoke" | "view"; dsName: (id: string) => string; dn: (id: string) => string; locale: string }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [open, setOpen] = useState<null | "approve" | "reject" | "revoke" | "history">(null);
  const [reason, setReason] = useState("");
  const [terms, setTerms] = useState({ scope: g.scope as string, fields: (g.fields ?? []).join(", "), validUntil: toLocalInput(new Date(g.validUntil)) });
  const [err, setErr] = useState<string | null>(null);
  const history = useQuery({ queryKey: ["grant", g.id], queryFn: () => fetchJson<{ history: History[] }>(`/api/grants/${g.id}`), enabled: open === "history" });
  const act = useMutation({
    mutationFn: (what: "approve" | "reject" | "revoke") =>
      fetchJson(`/api/grants/${g.id}/${what}`, {
        method: "POST",
        json:
          what === "approve"
            ? {
                scope: terms.scope,
                fields: terms.fields.trim() ? terms.fields.split(",").map((s) => s.trim()).filter(Boolean) : g.fields,
                validUntil: new Date(terms.validUntil).toISOString(),
              }
            : { reason },
      }),
    onSuccess: () => {
      setOpen(null);
      setErr(null);
      void qc.invalidateQueries({ queryKey: grantsKey });
      void qc.invalidateQueries({ queryKey: ["grant-notifications"] });
      void qc.invalidateQueries({ queryKey: ["datasets"] });
    },
    onError: (e) => setErr((e as Error).message),
  });
  const statusClass = { active: styles.active, requested: styles.requested, revoked: styles.revoked, rejected: styles.rejected, expired: styles.expired }[g.status];
  return (
    <>
      <tr data-testid={`grant-${g.id}`} data-status={g.status} data-dataset={g.datasetId} data-grantee={g.granteeDepartmentId}>
        <td>
          {dsName(g.datasetId)}
          <div className={`${styles.mono} ${styles.muted}`}>{g.id}</div>
        </td>
        <td>
          {dn(g.ownerDepartmentId)} → {dn(g.granteeDepartmentId)}
        </td>
        <td>
          {t(`scope.${g.scope}` as MessageKey)}
          {g.area && <div className={styles.small}>{t("grants.area")}: {Math.round(g.area.radiusM)} m</div>}
        </td>
        <td className={styles.small}>{g.fields ? g.fields.join(", ") : t("grants.allFields")}</td>
        <td className={styles.small}>
          {g.purpose}
          {g.automatic && <span className={`${styles.badge} ${styles.auto}`}> {t("grants.automatic")}</span>}
        </td>
        <td className={styles.small}>{new Date(g.validUntil).toLocaleString(locale)}</td>
        <td>
          <span className={`${styles.badge} ${statusClass}`}>{t(`status.${g.status}` as MessageKey)}</span>
          {g.reason && <div className={styles.small}>{g.reason}</div>}
        </td>
        <td>
          <div className={styles.pair}>
            {mode === "decide" && g.status === "requested" && (
              <>
                <button type="button" className={styles.button} onClick={() => setOpen("approve")} data-testid={`approve-${g.id}`}>
                  {t("grants.approve")}
                </button>
                <button type="button" className={`${styles.button} ${styles.danger}`} onClick={() => setOpen("reject")} data-testid={`reject-${g.id}`}>
                  {t("grants.reject")}
                </button>
              </>
            )}
            {mode === "revoke" && g.status === "active" && (
              <button type="button" className={`${styles.button} ${styles.danger}`} onClick={() => setOpen("revoke")} data-testid={`revoke-${g.id}`}>
                {t("grants.revoke")}
              </button>
            )}
            <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={() => setOpen(open === "history" ? null : "history")} data-testid={`history-${g.id}`}>
              {t("grants.history")}
            </button>
          </div>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={8}>
            {open === "approve" && (
              <form
                className={styles.form}
                onSubmit={(e) => {
                  e.preventDefault();
                  act.mutate("approve");
                }}
              >
                <label>
                  {t("grants.scope")}
                  <select value={terms.scope} onChange={(e) => setTerms({ ...terms, scope: e.target.value })} data-testid={`approve-scope-${g.id}`}>
                    {(["raw", "anonymized", "aggregated"] as const).map((s) => (
                      <option key={s} value={s}>
                        {t(`scope.${s}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  {t("grants.fields")}
                  <input value={terms.fields} onChange={(e) => setTerms({ ...terms, fields: e.target.value })} />
                </label>
                <label>
                  {t("grants.validUntil")}
                  <input type="datetime-local" value={terms.validUntil} onChange={(e) => setTerms({ ...terms, validUntil: e.target.value })} />
                </label>
                <label>
                  &nbsp;
                  <button type="submit" className={styles.button} data-testid={`approve-confirm-${g.id}`}>
                    {t("grants.approveNarrower")}
                  </button>
                </label>
              </form>
            )}
            {(open === "reject" || open === "revoke") && (
              <form
                className={styles.inline}
                onSubmit={(e) => {
                  e.preventDefault();
                  act.mutate(open);
                }}
              >
                <input placeholder={t("grants.reason")} aria-label={t("grants.reason")} required value={reason} onChange={(e) => setReason(e.target.value)} data-testid={`reason-${g.id}`} />
                <button type="submit" className={`${styles.button} ${styles.danger}`} data-testid={`${open}-confirm-${g.id}`}>
                  {t(open === "reject" ? "grants.reject" : "grants.revoke")}
                </button>
                <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={() => setOpen(null)}>
                  {t("admin.cancel")}
                </button>
              </form>
            )}
            {open === "history" && (
              <table className={styles.table} data-testid={`history-table-${g.id}`}>
                <thead>
                  <tr>
                    <th>{t("grants.when")}</th>
                    <th>{t("grants.action")}</th>
                    <th>{t("grants.by")}</th>
                    <th>{t("grants.reason")}</th>
                    <th>{t("grants.leaf")}</th>
                  </tr>
                </thead>
                <tbody>
                  {(history.data?.history ?? []).map((h) => (
                    <tr key={h.leafIndex}>
                      <td className={styles.small}>{new Date(h.at).toLocaleString(locale)}</td>
                      <td>{h.action}</td>
                      <td className={styles.small} data-testid="history-by" data-department={h.byDepartment ?? ""}>
                        {h.byName}
                        {h.byDepartment && <div className={styles.muted}>{departmentName(h.byDepartment, locale)}</div>}
                      </td>
                      <td className={styles.small}>{h.reason ?? ""}</td>
                      <td className={styles.mono}>
                        <a href={`/audit/entries/${h.leafIndex}`}>{h.leafIndex}</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {err && <p className={styles.error}>{err}</p>}
          </td>
        </tr>
      )}
    </>
  );
}

/** A Date as the value of an <input type="datetime-local"> in the browser's time zone. */
function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
