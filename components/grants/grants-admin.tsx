"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson, HttpError } from "@/components/http/fetch-json";
import { useMe } from "../auth/use-me";
import { departmentName } from "../auth/user-menu";
import type { Circle } from "../map-picker/map-picker";
import { MapPickerLoader as MapPicker } from "../map-picker/map-picker-loader";
import { cityInfoQuery } from "../map/map-queries";
import { DATASETS } from "@/lib/city/datasets";
import type { GrantView } from "@/lib/grants/grant-row";
import type { DatasetListItem } from "@/lib/access/list-datasets";
import type { TermsJson } from "@/lib/grants/terms";
import type { GrantState } from "@/lib/grants/paging";
import { Pager } from "./pager";
import { formatCityTimeWithOffset, fromCityInput, toCityInput } from "@/lib/i18n/city-time";
import type { MessageKey } from "@/lib/i18n/messages";
import styles from "../console.module.css";
import { parseRequestPrefill, type RequestPrefill } from "./request-prefill";
import { grantStatusKey } from "./grant-status";
import { TableHead } from "@/components/ui/table-head";
import { SubmitForm } from "@/components/ui/submit-form";

type Grant = GrantView & { requestedByName?: string };
type History = { action: string; byName: string; byDepartment: string | null; at: string; reason: string | null; leafIndex: number; terms: TermsJson & { status?: string } };
type Page = { total: number; limit: number; offset: number; grants: Grant[] };
type Mode = "decide" | "revoke" | "view";
const SCOPES = ["raw", "anonymized", "aggregated"] as const;
const SCOPE_RANK = { raw: 0, anonymized: 1, aggregated: 2 } as const;
const PAGE_SIZE = 10;
/** Every query of this page starts with "grants" (lists, one grant), so a change refreshes them all. */
const grantsKey = ["grants"];

/** Names, times and the city's offset, as every part of the page shows them. */
function useLabels() {
  const { t, locale } = useI18n();
  const info = useQuery(cityInfoQuery());
  const offset = info.data?.utcOffsetMinutes ?? 480;
  return {
    t,
    locale,
    offset,
    ds: (id: string) => {
      const d = DATASETS.find((x) => x.id === id);
      return d ? (locale === "en" ? d.nameEn : d.nameZh) : id;
    },
    dn: (id: string) => departmentName(id, locale),
    when: (iso: string | null) => (iso ? formatCityTimeWithOffset(iso, locale) : t("grants.openEnd")),
  };
}
type Labels = ReturnType<typeof useLabels>;

/** The grants page: requests to decide, grants on our datasets, our own requests, every grant's detail with its history. */
export function GrantsAdmin() {
  const L = useLabels();
  const { t } = L;
  const me = useMe();
  const user = me.data?.user;
  const role = user?.role;
  const decides = role === "dept_admin" || role === "sysadmin";
  const notes = useQuery({
    queryKey: ["grant-notifications"],
    queryFn: () => fetchJson<{ incoming: Grant[]; expiringSoon: Grant[]; windowHours: number }>("/api/grants/notifications"),
    enabled: decides,
  });
  const search = useSearchParams();
  const prefill = useMemo(() => parseRequestPrefill(new URLSearchParams(search.toString()), DATASETS.map((d) => d.id)), [search]);
  const openGrant = search.get("grant");
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
  const ownsData = DATASETS.some((d) => d.departmentId === dept);

  return (
    <div className={styles.page} data-testid="grants-admin">
      <h1>{t("grants.title")}</h1>
      <p className={styles.intro}>{t("grants.intro")}</p>
      {openGrant ? <GrantDetail id={openGrant} L={L} /> : null}
      {notes.data && notes.data.expiringSoon.length > 0 && (
        <div className={styles.notice} data-testid="expiring-soon">
          <strong>{t("grants.expiringWithin").replace("{h}", String(notes.data.windowHours))}:</strong>{" "}
          {notes.data.expiringSoon.map((g, i) => (
            <span key={g.id}>
              {i > 0 ? "; " : ""}
              <Link href={`/admin/grants?grant=${g.id}`}>
                {L.ds(g.datasetId)} → {L.dn(g.granteeDepartmentId)}
              </Link>{" "}
              ({L.when(g.validUntil)})
            </span>
          ))}
        </div>
      )}

      {/* A request link from the map: the prefilled form first, before anything that loads later moves it. */}
      {decides && prefill ? <RequestForm dept={dept} L={L} prefill={prefill} /> : null}

      {decides && (
        <GrantList title={t("grants.awaiting")} direction="incoming" states={["pending"]} mode="decide" L={L} testId="incoming" />
      )}
      {ownsData && (
        <GrantList title={t("grants.onOurData")} direction="incoming" states={["active", "ended", "pending", "all"]} mode={decides ? "revoke" : "view"} L={L} testId="own-datasets" />
      )}
      <GrantList title={t("grants.outgoing")} direction="outgoing" states={["all", "pending", "active", "ended"]} mode="view" L={L} testId="outgoing">
        {decides && !prefill && <RequestForm dept={dept} L={L} />}
      </GrantList>
      {(role === "auditor" || role === "sysadmin") && (
        <GrantList title={t("grants.all")} direction="all" states={["all", "pending", "active", "ended"]} mode={role === "sysadmin" ? "revoke" : "view"} L={L} testId="all-grants" />
      )}
    </div>
  );
}

/** One list of grants, a page at a time from the server, filtered by state. */
function GrantList(props: { title: string; direction: "incoming" | "outgoing" | "all"; states: GrantState[]; mode: Mode; L: Labels; testId: string; children?: React.ReactNode }) {
  const { t } = props.L;
  const [state, setState] = useState<GrantState>(props.states[0]);
  const [offset, setOffset] = useState(0);
  const q = useQuery({
    queryKey: [...grantsKey, "list", props.direction, state, offset],
    queryFn: () => fetchJson<Page>(`/api/grants?direction=${props.direction}&state=${state}&limit=${PAGE_SIZE}&offset=${offset}`),
    refetchInterval: 10_000,
    placeholderData: (prev) => prev,
  });
  return (
    <section className={styles.panel} data-testid={props.testId} data-state={state}>
      <h2>{props.title}</h2>
      {props.children}
      {props.states.length > 1 && (
        <div className={styles.chips} role="tablist">
          {props.states.map((s) => (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={s === state}
              className={`${styles.chip} ${s === state ? styles.chipOn : ""}`}
              onClick={() => {
                setState(s);
                setOffset(0);
              }}
              data-testid={`${props.testId}-state-${s}`}
            >
              {t(`grants.state.${s}` as MessageKey)}
            </button>
          ))}
        </div>
      )}
      {q.error && (
        <p className={styles.error}>
          {t("admin.error")}
          {(q.error as Error).message}
        </p>
      )}
      {q.data && q.data.grants.length === 0 ? (
        <p className={styles.muted}>{t("grants.none")}</p>
      ) : q.data ? (
        <GrantTable grants={q.data.grants} mode={props.mode} L={props.L} />
      ) : null}
      <Pager page={q.data} onOffset={setOffset} testId={props.testId} />
    </section>
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

const fieldsOf = (datasetId: string) => Object.entries(DATASETS.find((d) => d.id === datasetId)?.schema.fields ?? {});

/** Scope choices, each with one line on what it shows; scopes giving more detail than `widest` are disabled. */
function ScopePicker({ value, onChange, widest, testId }: { value: string; onChange: (s: string) => void; widest?: keyof typeof SCOPE_RANK; testId: string }) {
  const { t } = useI18n();
  return (
    <fieldset className={styles.choices} data-testid={testId}>
      <legend>{t("grants.scope")}</legend>
      {SCOPES.map((s) => (
        <label key={s} className={styles.choice}>
          <input type="radio" name={testId} value={s} checked={value === s} disabled={widest !== undefined && SCOPE_RANK[s] < SCOPE_RANK[widest]} onChange={() => onChange(s)} data-testid={`${testId}-${s}`} />
          <span>
            <strong>{t(`scope.${s}`)}</strong> <span className={styles.muted}>{t(`grants.scopeHint.${s}` as MessageKey)}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** Field checkboxes with their descriptions; `offered` limits the choice (the requested fields, when approving). */
function FieldPicker({ datasetId, value, onChange, offered, testId }: { datasetId: string; value: string[]; onChange: (f: string[]) => void; offered?: string[] | null; testId: string }) {
  const { t, locale } = useI18n();
  const fields = fieldsOf(datasetId).filter(([f]) => !offered || offered.includes(f));
  return (
    <fieldset className={styles.choices} data-testid={testId}>
      <legend>
        {t("grants.fieldsShort")} <span className={styles.muted}>{t("grants.fieldsHint")}</span>
      </legend>
      <div className={styles.checkboxes}>
        {fields.map(([f, def]) => (
          <label key={f} title={f}>
            <input
              type="checkbox"
              checked={value.includes(f)}
              onChange={(e) => onChange(e.target.checked ? [...value, f] : value.filter((x) => x !== f))}
              data-testid={`${testId}-${f}`}
            />
            {locale === "en" ? def.descriptionEn : def.descriptionZh} <span className={styles.mono}>{f}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The data window's two ends, in the city's time. */
function WindowInputs({ from, until, onChange, testId, L }: { from: string; until: string; onChange: (from: string, until: string) => void; testId: string; L: Labels }) {
  const { t } = L;
  return (
    <>
      <label>
        {t("grants.dataFrom")} ({t("grants.cityTime")})
        <input type="datetime-local" value={from} onChange={(e) => onChange(e.target.value, until)} data-testid={`${testId}-from`} />
      </label>
      <label>
        {t("grants.dataUntil")} ({t("grants.cityTime")})
        <input type="datetime-local" value={until} onChange={(e) => onChange(from, e.target.value)} data-testid={`${testId}-until`} />
      </label>
    </>
  );
}

const iso = (v: string, offset: number) => fromCityInput(v, offset)?.toISOString() ?? null;
/** The field list to send: null (every field) when all are ticked. */
const fieldList = (picked: string[], all: string[]) => (all.every((f) => picked.includes(f)) ? null : picked);

function RequestForm({ dept, L, prefill }: { dept: string; L: Labels; prefill?: RequestPrefill | null }) {
  const { t, offset } = L;
  const qc = useQueryClient();
  const others = DATASETS.filter((d) => d.departmentId !== dept);
  // A link from the map prefills dataset, scope and purpose (a dataset of our own is no request).
  const pre = prefill && others.some((d) => d.id === prefill.datasetId) ? prefill : null;
  const blank = () => {
    const datasetId = pre?.datasetId ?? others[0]?.id ?? "";
    return {
      datasetId,
      scope: (pre?.scope ?? "aggregated") as string,
      fields: fieldsOf(datasetId).map(([f]) => f),
      purpose: pre?.purpose ?? "",
      dataFrom: "",
      dataUntil: "",
      area: null as Circle | null,
      limitArea: false,
      validUntil: toCityInput(new Date(Date.now() + 7 * 86_400_000), offset),
    };
  };
  const [f, setF] = useState(blank);
  const formRef = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (pre) formRef.current?.scrollIntoView({ block: "start" });
  }, [pre]);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const m = useMutation({
    mutationFn: () =>
      fetchJson<{ grant: Grant }>("/api/grants", {
        method: "POST",
        json: {
          datasetId: f.datasetId,
          scope: f.scope,
          fields: fieldList(f.fields, fieldsOf(f.datasetId).map(([k]) => k)),
          purpose: f.purpose,
          dataFrom: iso(f.dataFrom, offset),
          dataUntil: iso(f.dataUntil, offset),
          area: f.limitArea ? f.area : null,
          validUntil: iso(f.validUntil, offset) ?? "",
        },
      }),
    onSuccess: (r) => {
      setMsg({ ok: true, text: t("grants.sent").replace("{owner}", L.dn(r.grant.ownerDepartmentId)) });
      setF(blank());
      void qc.invalidateQueries({ queryKey: grantsKey });
    },
    onError: (e) => setMsg({ ok: false, text: e instanceof HttpError ? e.message : String(e) }),
  });
  const byOwner = [...new Set(others.map((d) => d.departmentId))];
  // What the department reads of each already, from the catalogue's one access check (the header's data-access list).
  const catalogue = useQuery({ queryKey: ["datasets"], queryFn: () => fetchJson<{ datasets: DatasetListItem[] }>("/api/datasets"), refetchInterval: 15_000 });
  const accessNote = (id: string) => {
    const d = catalogue.data?.datasets.find((x) => x.id === id);
    if (!d) return "";
    return d.access
      ? `${t(`access.${d.access.basis}` as MessageKey)} · ${t(`scope.${d.access.scope}` as MessageKey)}`
      : `${t("access.hidden")}: ${t(`access.reason.${d.denied?.code ?? "no_grant"}` as MessageKey)}`;
  };
  return (
    <details className={styles.panel} open data-testid="request-form" id="request-form" ref={formRef} data-prefilled={pre ? pre.datasetId : ""}>
      <summary>{t("grants.request")}</summary>
      {pre ? (
        <p className={styles.ok} data-testid="request-prefilled">
          {t("request.prefilled")}
        </p>
      ) : null}
      <SubmitForm
        className={styles.requestForm}
        onSubmit={() => {
          setMsg(null);
          m.mutate();
        }}
      >
        <fieldset className={styles.choices} data-testid="request-dataset">
          <legend>{t("grants.dataset")}</legend>
          {byOwner.map((o) => (
            <div key={o} className={styles.group}>
              <div className={styles.groupName}>{L.dn(o)}</div>
              {others
                .filter((d) => d.departmentId === o)
                .map((d) => (
                  <label key={d.id} className={styles.choice}>
                    <input
                      type="radio"
                      name="request-dataset"
                      value={d.id}
                      checked={f.datasetId === d.id}
                      onChange={() => setF({ ...f, datasetId: d.id, fields: fieldsOf(d.id).map(([k]) => k) })}
                      data-testid={`request-dataset-${d.id}`}
                    />
                    <span>
                      {L.ds(d.id)} <span className={`${styles.mono} ${styles.muted}`}>{d.id}</span> · {t(`sensitivity.${d.sensitivity}` as MessageKey)}
                      {accessNote(d.id) && (
                        <span className={`${styles.small} ${styles.muted}`} data-testid={`request-dataset-access-${d.id}`}>
                          {" "}
                          · {accessNote(d.id)}
                        </span>
                      )}
                    </span>
                  </label>
                ))}
            </div>
          ))}
        </fieldset>
        <ScopePicker value={f.scope} onChange={(scope) => setF({ ...f, scope })} testId="request-scope" />
        <FieldPicker datasetId={f.datasetId} value={f.fields} onChange={(fields) => setF({ ...f, fields })} testId="request-fields" />
        <div className={styles.form}>
          <label className={styles.wide}>
            {t("grants.purpose")}
            <input value={f.purpose} onChange={(e) => setF({ ...f, purpose: e.target.value })} required data-testid="request-purpose" />
          </label>
          <WindowInputs from={f.dataFrom} until={f.dataUntil} onChange={(dataFrom, dataUntil) => setF({ ...f, dataFrom, dataUntil })} testId="request-window" L={L} />
          <label>
            {t("grants.validUntil")} ({t("grants.cityTime")})
            <input type="datetime-local" value={f.validUntil} onChange={(e) => setF({ ...f, validUntil: e.target.value })} required data-testid="request-valid-until" />
          </label>
        </div>
        <label className={styles.choice}>
          <input type="checkbox" checked={f.limitArea} onChange={(e) => setF({ ...f, limitArea: e.target.checked })} data-testid="request-limit-area" />
          {t("grants.areaLimit")}
        </label>
        {f.limitArea && <MapPicker mode="circle" value={f.area} onChange={(area) => setF({ ...f, area })} testId="request-area" />}
        <div>
          <button type="submit" className={styles.button} disabled={m.isPending || f.fields.length === 0 || (f.limitArea && !f.area)} data-testid="request-submit">
            {t("grants.submit")}
          </button>
        </div>
      </SubmitForm>
      {msg && (
        <p className={msg.ok ? styles.ok : styles.error} role="status" data-testid="request-message">
          {msg.text}
        </p>
      )}
    </details>
  );
}

function GrantTable({ grants, mode, L }: { grants: Grant[]; mode: Mode; L: Labels }) {
  const { t } = L;
  return (
    <table className={styles.table}>
      <TableHead headings={[t("grants.dataset"), `${t("grants.owner")} → ${t("grants.grantee")}`, t("grants.terms"), t("grants.purpose"), t("grants.askedBy"), t("grants.status"), t("admin.devices.actions")]} />
      <tbody>
        {grants.map((g) => (
          <GrantRowView key={g.id} g={g} mode={mode} L={L} />
        ))}
      </tbody>
    </table>
  );
}

const statusClass = (s: string) => ({ active: styles.active, requested: styles.requested, revoked: styles.revoked, rejected: styles.rejected, expired: styles.expired })[s] ?? "";

/** Terms in a few words: scope, fields, data window, area, expiry. */
function TermsText({ terms, datasetId, L }: { terms: Pick<TermsJson, "scope" | "fields" | "dataFrom" | "dataUntil" | "area" | "validUntil">; datasetId: string; L: Labels }) {
  const { t } = L;
  const all = fieldsOf(datasetId).length;
  return (
    <div className={styles.small}>
      <div>
        {t(`scope.${terms.scope}` as MessageKey)} · {terms.fields && terms.fields.length < all ? terms.fields.join(", ") : t("grants.allFields")}
      </div>
      {(terms.dataFrom || terms.dataUntil) && (
        <div className={styles.muted}>
          {t("grants.window")}: {L.when(terms.dataFrom)} – {L.when(terms.dataUntil)}
        </div>
      )}
      {terms.area && <div className={styles.muted}>{t("grants.area")}: {areaText(terms.area, L)}</div>}
      <div className={styles.muted}>
        {t("grants.validUntil")}: {L.when(terms.validUntil)}
      </div>
    </div>
  );
}

const areaText = (a: Circle, L: Labels) =>
  L.t("grants.areaDesc").replace("{r}", Math.round(a.radiusM).toLocaleString(L.locale)).replace("{lat}", a.lat.toFixed(4)).replace("{lon}", a.lon.toFixed(4));

function GrantRowView({ g, mode, L }: { g: Grant; mode: Mode; L: Labels }) {
  const { t } = L;
  const qc = useQueryClient();
  const [open, setOpen] = useState<null | "approve" | "reject" | "revoke">(null);
  const [reason, setReason] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: ({ what, body }: { what: "approve" | "reject" | "revoke"; body: unknown }) => fetchJson(`/api/grants/${g.id}/${what}`, { method: "POST", json: body }),
    onSuccess: () => {
      setOpen(null);
      setErr(null);
      void qc.invalidateQueries({ queryKey: grantsKey });
      void qc.invalidateQueries({ queryKey: ["grant-notifications"] });
      void qc.invalidateQueries({ queryKey: ["datasets"] });
    },
    onError: (e) => setErr((e as Error).message),
  });
  return (
    <>
      <tr data-testid={`grant-${g.id}`} data-status={g.status} data-dataset={g.datasetId} data-grantee={g.granteeDepartmentId}>
        <td className={styles.name}>
          {L.ds(g.datasetId)}
          <div>
            <Link className={`${styles.mono} ${styles.muted}`} href={`/admin/grants?grant=${g.id}`} data-testid={`grant-link-${g.id}`}>
              {g.id}
            </Link>
          </div>
        </td>
        <td className={styles.small}>
          {L.dn(g.ownerDepartmentId)} → {L.dn(g.granteeDepartmentId)}
        </td>
        <td>
          <TermsText terms={g} datasetId={g.datasetId} L={L} />
        </td>
        <td className={styles.small}>
          {g.purpose}
          {g.automatic && <span className={`${styles.badge} ${styles.auto}`}> {t("grants.automatic")}</span>}
        </td>
        <td className={styles.small} data-testid="asked-by">
          {g.automatic ? t("grants.automatic") : (g.requestedByName ?? g.requestedBy)}
          <div className={styles.muted}>{L.dn(g.granteeDepartmentId)}</div>
          <div className={styles.muted}>{L.when(g.createdAt)}</div>
        </td>
        <td>
          <span className={`${styles.badge} ${statusClass(g.status)}`}>{t(grantStatusKey(g.status))}</span>
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
            {mode !== "view" && g.status === "active" && (
              <button type="button" className={`${styles.button} ${styles.danger}`} onClick={() => setOpen("revoke")} data-testid={`revoke-${g.id}`}>
                {t("grants.revoke")}
              </button>
            )}
            <Link className={`${styles.button} ${styles.ghost}`} href={`/admin/grants?grant=${g.id}`} data-testid={`history-${g.id}`}>
              {t("grants.details")}
            </Link>
          </div>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={7}>
            {open === "approve" && <ApproveForm g={g} L={L} pending={act.isPending} onApprove={(body) => act.mutate({ what: "approve", body })} onCancel={() => setOpen(null)} />}
            {(open === "reject" || open === "revoke") && (
              <SubmitForm
                className={styles.inline}
                onSubmit={() => act.mutate({ what: open, body: { reason } })}
              >
                <input placeholder={t("grants.reason")} aria-label={t("grants.reason")} required value={reason} onChange={(e) => setReason(e.target.value)} data-testid={`reason-${g.id}`} />
                <button type="submit" className={`${styles.button} ${styles.danger}`} data-testid={`${open}-confirm-${g.id}`}>
                  {t(open === "reject" ? "grants.reject" : "grants.revoke")}
                </button>
                <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={() => setOpen(null)}>
                  {t("admin.cancel")}
                </button>
              </SubmitForm>
            )}
            {err && <p className={styles.error}>{err}</p>}
          </td>
        </tr>
      )}
    </>
  );
}

/** Approve as asked or narrower: less detail, fewer fields, a smaller data window, a circle inside the requested area, an earlier expiry. */
function ApproveForm({ g, L, pending, onApprove, onCancel }: { g: Grant; L: Labels; pending: boolean; onApprove: (body: unknown) => void; onCancel: () => void }) {
  const { t, offset } = L;
  const req = g.requestedTerms as unknown as TermsJson;
  const offered = req.fields ?? fieldsOf(g.datasetId).map(([f]) => f);
  const [a, setA] = useState({
    scope: req.scope as string,
    fields: offered,
    dataFrom: req.dataFrom ? toCityInput(req.dataFrom, offset) : "",
    dataUntil: req.dataUntil ? toCityInput(req.dataUntil, offset) : "",
    limitArea: !!req.area,
    area: (req.area ?? null) as Circle | null,
    validUntil: toCityInput(req.validUntil, offset),
  });
  return (
    <SubmitForm
      className={styles.requestForm}
      data-testid={`approve-form-${g.id}`}
      onSubmit={() => {
        onApprove({
          scope: a.scope,
          fields: req.fields ? a.fields : fieldList(a.fields, offered),
          dataFrom: iso(a.dataFrom, offset),
          dataUntil: iso(a.dataUntil, offset),
          area: a.limitArea ? a.area : null,
          validUntil: iso(a.validUntil, offset) ?? undefined,
        });
      }}
    >
      <ScopePicker value={a.scope} onChange={(scope) => setA({ ...a, scope })} widest={req.scope} testId={`approve-scope-${g.id}`} />
      <FieldPicker datasetId={g.datasetId} value={a.fields} onChange={(fields) => setA({ ...a, fields })} offered={offered} testId={`approve-fields-${g.id}`} />
      <div className={styles.form}>
        <WindowInputs from={a.dataFrom} until={a.dataUntil} onChange={(dataFrom, dataUntil) => setA({ ...a, dataFrom, dataUntil })} testId={`approve-window-${g.id}`} L={L} />
        <label>
          {t("grants.validUntil")} ({t("grants.cityTime")})
          <input type="datetime-local" value={a.validUntil} onChange={(e) => setA({ ...a, validUntil: e.target.value })} data-testid={`approve-valid-until-${g.id}`} />
        </label>
      </div>
      <label className={styles.choice}>
        <input type="checkbox" checked={a.limitArea} disabled={!!req.area} onChange={(e) => setA({ ...a, limitArea: e.target.checked })} data-testid={`approve-limit-area-${g.id}`} />
        {req.area ? t("grants.areaRequired") : t("grants.areaLimit")}
      </label>
      {a.limitArea && (
        <MapPicker mode="circle" value={a.area} onChange={(area) => setA({ ...a, area })} reference={req.area} referenceLabel={t("grants.requestedArea")} maxRadiusM={req.area?.radiusM} testId={`approve-area-${g.id}`} />
      )}
      <div className={styles.pair}>
        <button type="submit" className={styles.button} disabled={pending || a.fields.length === 0 || (a.limitArea && !a.area)} data-testid={`approve-confirm-${g.id}`}>
          {t("grants.approveNarrower")}
        </button>
        <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={onCancel}>
          {t("admin.cancel")}
        </button>
      </div>
    </SubmitForm>
  );
}

/** One grant: the requested and approved terms side by side, its area on the map, and its full ledgered history. */
function GrantDetail({ id, L }: { id: string; L: Labels }) {
  const { t } = L;
  const ref = useRef<HTMLElement>(null);
  const q = useQuery({ queryKey: [...grantsKey, "one", id], queryFn: () => fetchJson<{ grant: Grant; history: History[] }>(`/api/grants/${encodeURIComponent(id)}`), refetchInterval: 10_000 });
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "start" });
  }, [id]);
  const g = q.data?.grant;
  const requested = g ? (g.requestedTerms as unknown as TermsJson) : null;
  const approval = q.data?.history.find((h) => h.action === "approve");
  const approved = approval?.terms ?? null;
  const rows: { key: string; label: string; show: (x: TermsJson) => string; same: (a: TermsJson, b: TermsJson) => boolean }[] = [
    { key: "scope", label: t("grants.scope"), show: (x) => t(`scope.${x.scope}` as MessageKey), same: (a, b) => a.scope === b.scope },
    { key: "fields", label: t("grants.fieldsShort"), show: (x) => x.fields?.join(", ") ?? t("grants.allFields"), same: (a, b) => JSON.stringify(a.fields) === JSON.stringify(b.fields) },
    { key: "window", label: t("grants.window"), show: (x) => `${L.when(x.dataFrom)} – ${L.when(x.dataUntil)}`, same: (a, b) => a.dataFrom === b.dataFrom && a.dataUntil === b.dataUntil },
    { key: "area", label: t("grants.areaLabel"), show: (x) => (x.area ? areaText(x.area, L) : t("grants.wholeCity")), same: (a, b) => JSON.stringify(a.area) === JSON.stringify(b.area) },
    { key: "validFrom", label: t("grants.validFrom"), show: (x) => L.when(x.validFrom), same: (a, b) => a.validFrom === b.validFrom },
    { key: "validUntil", label: t("grants.validUntil"), show: (x) => L.when(x.validUntil), same: (a, b) => a.validUntil === b.validUntil },
  ];
  const shownArea = approved?.area ?? requested?.area ?? null;
  return (
    <section className={`${styles.panel} ${styles.detail}`} ref={ref} data-testid="grant-detail" data-grant={id} data-status={g?.status ?? ""}>
      <div className={styles.detailHead}>
        <h2>
          {t("grants.detailTitle")} <span className={styles.mono}>{id}</span>
        </h2>
        <Link href="/admin/grants" className={`${styles.button} ${styles.ghost}`} data-testid="grant-detail-close">
          {t("grants.closeDetail")}
        </Link>
      </div>
      {q.error && <p className={styles.error}>{(q.error as Error).message}</p>}
      {g && requested && (
        <>
          <p>
            <strong>{L.ds(g.datasetId)}</strong> <span className={`${styles.mono} ${styles.muted}`}>{g.datasetId}</span> · {L.dn(g.ownerDepartmentId)} → {L.dn(g.granteeDepartmentId)} ·{" "}
            <span className={`${styles.badge} ${statusClass(g.status)}`} data-testid="grant-detail-status">
              {t(grantStatusKey(g.status))}
            </span>
          </p>
          <p className={styles.small}>
            {t("grants.purpose")}: {g.purpose}
            <br />
            {t("grants.askedBy")}: {g.automatic ? t("grants.automatic") : (g.requestedByName ?? g.requestedBy)} ({L.dn(g.granteeDepartmentId)}), {L.when(g.createdAt)}
          </p>
          <div className={styles.grid2}>
            <table className={styles.table} data-testid="grant-terms">
              <caption className={styles.caption}>{t("grants.termsCompare")}</caption>
              <TableHead headings={[null, t("grants.requestedTerms"), t("grants.approvedTerms")]} />
              <tbody>
                {rows.map((r) => {
                  const narrowed = approved && !r.same(requested, approved);
                  return (
                    <tr key={r.key} data-testid={`terms-${r.key}`} data-narrowed={narrowed ? "true" : "false"}>
                      <th>{r.label}</th>
                      <td className={styles.small} data-testid={`terms-${r.key}-requested`}>
                        {r.show(requested)}
                      </td>
                      <td className={`${styles.small} ${narrowed ? styles.narrowed : ""}`} data-testid={`terms-${r.key}-approved`}>
                        {approved ? r.show(approved) : <span className={styles.muted}>{t("grants.notApproved")}</span>}
                        {narrowed && <span className={`${styles.badge} ${styles.requested} ${styles.gap}`}>{t("grants.narrowed")}</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div data-testid="grant-area">
              {shownArea ? (
                <MapPicker
                  mode="circle"
                  value={shownArea}
                  reference={approved?.area && requested.area ? requested.area : null}
                  referenceLabel={t("grants.requestedArea")}
                  height={240}
                  testId="grant-area-map"
                />
              ) : (
                <p className={styles.muted}>{t("grants.noMap")}</p>
              )}
            </div>
          </div>
          <table className={styles.table} data-testid={`history-table-${id}`}>
            <caption className={styles.caption}>{t("grants.history")}</caption>
            <TableHead headings={[t("grants.when"), t("grants.action"), t("grants.by"), t("grants.terms"), t("grants.reason"), t("grants.leaf")]} />
            <tbody>
              {q.data!.history.map((h) => (
                <tr key={h.leafIndex} data-testid="history-row" data-action={h.action}>
                  <td className={styles.small}>{L.when(h.at)}</td>
                  <td className={styles.nowrap}>{t(`grants.action.${h.action}` as MessageKey)}</td>
                  <td className={styles.small} data-testid="history-by" data-department={h.byDepartment ?? ""}>
                    {h.byName}
                    {h.byDepartment && <div className={styles.muted}>{L.dn(h.byDepartment)}</div>}
                  </td>
                  <td>
                    <TermsText terms={h.terms} datasetId={g.datasetId} L={L} />
                  </td>
                  <td className={styles.small}>{h.reason ?? ""}</td>
                  <td className={styles.mono}>
                    <Link href={`/audit/entries/${h.leafIndex}`} data-testid="history-leaf">
                      {h.leafIndex}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
