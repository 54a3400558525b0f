"use client";
import { useEffect, useState } from "react";
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { DEVICE_KINDS } from "@/lib/devices/device-kinds";
import type { DeviceListItem } from "@/lib/devices/list-devices";
import type { MessageKey } from "@/lib/i18n/messages";
import { fetchJson } from "./fetch-json";
import { AdminNotice } from "./admin-notice";
import styles from "./admin.module.css";

const PAGE = 50;
type Filters = { q: string; status: string; department: string; offset: number };

export const devicesQuery = (f: Filters) =>
  queryOptions({
    queryKey: ["devices", f],
    queryFn: () => {
      const p = new URLSearchParams({ limit: String(PAGE), offset: String(f.offset) });
      if (f.q) p.set("q", f.q);
      if (f.status) p.set("status", f.status);
      if (f.department) p.set("department", f.department);
      return fetchJson<{ total: number; devices: DeviceListItem[] }>(`/api/devices?${p}`);
    },
    retry: false,
    placeholderData: keepPreviousData,
  });

/** The department admin's device registry: search, status, register, rotate, revoke. */
export function DevicesAdmin() {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [f, setF] = useState<Filters>({ q: "", status: "", department: "", offset: 0 });
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    const id = setTimeout(() => setF((x) => (x.q === text ? x : { ...x, q: text, offset: 0 })), 250);
    return () => clearTimeout(id);
  }, [text]);
  const q = useQuery(devicesQuery(f));
  const changed = () => {
    setDone(t("admin.devices.done"));
    void qc.invalidateQueries({ queryKey: ["devices"] });
  };

  return (
    <div className={styles.page} data-testid="devices-admin">
      <h1>{t("admin.devices.title")}</h1>
      <p className={styles.intro}>{t("admin.devices.intro")}</p>
      <div className={styles.toolbar}>
        <input type="search" placeholder={t("admin.devices.search")} aria-label={t("admin.devices.search")} value={text} onChange={(e) => setText(e.target.value)} />
        <select aria-label={t("admin.devices.status")} value={f.status} onChange={(e) => setF({ ...f, status: e.target.value, offset: 0 })}>
          <option value="">{t("admin.devices.statusAll")}</option>
          {(["active", "revoked", "unkeyed"] as const).map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
        <input aria-label={t("admin.department")} placeholder={t("admin.departmentMine")} value={f.department} onChange={(e) => setF({ ...f, department: e.target.value.trim(), offset: 0 })} size={14} />
        {q.data && (
          <span className={styles.muted}>
            {q.data.total.toLocaleString(locale)} {t(q.data.total === 1 ? "admin.devices.totalOne" : "admin.devices.total")}
          </span>
        )}
        {done && <span className={styles.ok}>{done}</span>}
      </div>
      <AdminNotice error={q.error} loading={q.isLoading} />
      {q.data && (
        <>
          <RegisterDevice onDone={changed} department={f.department} />
          {q.data.devices.length === 0 ? (
            <p className={styles.muted}>{t("admin.devices.empty")}</p>
          ) : (
            <table className={styles.table}>
              <thead>
                <tr>
                  <th>{t("admin.devices.id")}</th>
                  <th>{t("admin.devices.kind")}</th>
                  <th>{t("admin.devices.dataset")}</th>
                  <th>{t("admin.devices.status")}</th>
                  <th>{t("admin.devices.key")}</th>
                  <th>{t("admin.devices.lastSeq")}</th>
                  <th>{t("admin.devices.updated")}</th>
                  <th>{t("admin.devices.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {q.data.devices.map((d) => (
                  <DeviceRow key={d.id} d={d} onDone={changed} />
                ))}
              </tbody>
            </table>
          )}
          <div className={styles.pager}>
            <button className={`${styles.button} ${styles.ghost}`} disabled={f.offset === 0} onClick={() => setF({ ...f, offset: Math.max(0, f.offset - PAGE) })}>
              {t("admin.prev")}
            </button>
            <span className={styles.muted}>
              {q.data.total === 0 ? 0 : f.offset + 1}–{Math.min(q.data.total, f.offset + PAGE)} / {q.data.total}
            </span>
            <button className={`${styles.button} ${styles.ghost}`} disabled={f.offset + PAGE >= q.data.total} onClick={() => setF({ ...f, offset: f.offset + PAGE })}>
              {t("admin.next")}
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function DeviceRow({ d, onDone }: { d: DeviceListItem; onDone: () => void }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"none" | "revoke" | "rotate" | "release" | "reinstate">("none");
  const [input, setInput] = useState("");
  // A reinstatement needs its reason beside the new key; it is ledgered as "reinstated: <reason>".
  const [why, setWhy] = useState("");
  const act = useMutation({
    mutationFn: () =>
      mode === "revoke" || mode === "release"
        ? fetchJson(`/api/devices/${encodeURIComponent(d.id)}/${mode}`, { method: "POST", body: JSON.stringify({ reason: input }) })
        : fetchJson(`/api/devices/${encodeURIComponent(d.id)}/rotate`, {
            method: "POST",
            body: JSON.stringify(mode === "reinstate" ? { publicKey: input.trim(), reinstate: true, reason: why.trim() } : { publicKey: input.trim() }),
          }),
    onSuccess: () => {
      setMode("none");
      setInput("");
      setWhy("");
      onDone();
    },
  });
  const statusKey = `status.${d.status}` as MessageKey;
  const placeholder = mode === "revoke" ? t("admin.devices.revokeReason") : mode === "release" ? t("admin.devices.releaseReason") : t("admin.devices.newKey");
  return (
    <tr data-testid={`device-${d.id}`}>
      <td className={styles.mono}>{d.id}</td>
      <td>{d.kind}</td>
      <td className={styles.mono}>{d.datasetId}</td>
      <td>
        <span className={`${styles.badge} ${styles[d.status] ?? ""}`} title={d.statusReason ?? undefined}>
          {t(statusKey)}
        </span>
        {d.statusReason && <div className={styles.muted}>{d.statusReason}</div>}
        {d.quarantine && (
          <div data-testid={`quarantine-${d.id}`}>
            <span className={`${styles.badge} ${styles.revoked ?? ""}`} title={d.quarantine.reason ?? undefined}>
              {t("admin.devices.quarantined")}
            </span>
            <div className={styles.muted}>{d.quarantine.reason}</div>
          </div>
        )}
        {!d.quarantine && d.suspectUntil && Date.parse(d.suspectUntil) > Date.now() && (
          <div className={styles.muted}>
            {t("admin.devices.suspectUntil")} {new Date(d.suspectUntil).toLocaleString()}
          </div>
        )}
      </td>
      <td className={styles.mono}>{d.keyFingerprint ?? "—"}</td>
      <td className={styles.mono}>{d.lastSeq}</td>
      <td className={styles.muted}>{new Date(d.updatedAt).toLocaleString()}</td>
      <td>
        {mode === "none" ? (
          <div className={styles.inline}>
            {d.status === "active" && (
              <button className={`${styles.button} ${styles.danger}`} onClick={() => setMode("revoke")}>
                {t("admin.devices.revoke")}
              </button>
            )}
            {d.quarantine && (
              <button className={styles.button} onClick={() => setMode("release")}>
                {t("admin.devices.release")}
              </button>
            )}
            {d.status === "revoked" ? (
              <button className={styles.button} onClick={() => setMode("reinstate")} data-testid={`reinstate-${d.id}`}>
                {t("admin.devices.reinstate")}
              </button>
            ) : (
              <button className={styles.button} onClick={() => setMode("rotate")}>
                {t("admin.devices.rotate")}
              </button>
            )}
          </div>
        ) : (
          <form
            className={styles.inline}
            onSubmit={(e) => {
              e.preventDefault();
              if (mode === "reinstate" && !window.confirm(t("admin.devices.reinstateConfirmText").replace("{device}", d.id))) return;
              act.mutate();
            }}
          >
            {mode === "reinstate" && (
              <input
                required
                aria-label={t("admin.devices.reinstateReason")}
                placeholder={t("admin.devices.reinstateReason")}
                value={why}
                onChange={(e) => setWhy(e.target.value)}
                data-testid={`reinstate-reason-${d.id}`}
              />
            )}
            <input
              autoFocus
              required
              aria-label={placeholder}
              placeholder={placeholder}
              value={input}
              onChange={(e) => setInput(e.target.value)}
            />
            <button className={`${styles.button} ${mode === "revoke" ? styles.danger : ""}`} disabled={act.isPending || !input.trim() || (mode === "reinstate" && !why.trim())}>
              {mode === "revoke"
                ? t("admin.devices.revokeConfirm")
                : mode === "release"
                  ? t("admin.devices.releaseConfirm")
                  : mode === "reinstate"
                    ? t("admin.devices.reinstateConfirm")
                    : t("admin.devices.rotateConfirm")}
            </button>
            <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={() => setMode("none")}>
              {t("admin.cancel")}
            </button>
          </form>
        )}
        {act.error && <div className={styles.error}>{(act.error as Error).message}</div>}
      </td>
    </tr>
  );
}

function RegisterDevice({ onDone, department }: { onDone: () => void; department: string }) {
  const { t } = useI18n();
  const empty = { id: "", departmentId: department, datasetId: "", kind: "traffic-sensor", lon: "", lat: "", publicKey: "", reason: "" };
  const [v, setV] = useState(empty);
  const reg = useMutation({
    mutationFn: () =>
      fetchJson("/api/devices", {
        method: "POST",
        body: JSON.stringify({
          id: v.id.trim(),
          departmentId: v.departmentId.trim(),
          datasetId: v.kind === "gateway" ? "*" : v.datasetId.trim(),
          kind: v.kind,
          location: [Number(v.lon), Number(v.lat)],
          publicKey: v.publicKey.trim(),
          ...(v.reason.trim() ? { reason: v.reason.trim() } : {}),
        }),
      }),
    onSuccess: () => {
      setV(empty);
      onDone();
    },
  });
  const field = (name: keyof typeof v, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input value={v[name]} onChange={(e) => setV({ ...v, [name]: e.target.value })} required {...props} />
    </label>
  );
  return (
    <details className={styles.panel}>
      <summary>{t("admin.devices.register")}</summary>
      <form
        className={styles.form}
        onSubmit={(e) => {
          e.preventDefault();
          reg.mutate();
        }}
      >
        {field("id", t("admin.devices.id"), { pattern: "[A-Za-z0-9][A-Za-z0-9._:\\-]*", maxLength: 128 })}
        {field("departmentId", t("admin.department"))}
        <label>
          {t("admin.devices.kind")}
          <select value={v.kind} onChange={(e) => setV({ ...v, kind: e.target.value })}>
            {DEVICE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {v.kind !== "gateway" && field("datasetId", t("admin.devices.dataset"))}
        <label>
          {t("admin.devices.location")}
          <span className={styles.pair}>
            <input aria-label="lon" value={v.lon} onChange={(e) => setV({ ...v, lon: e.target.value })} required inputMode="decimal" placeholder="121.45" />
            <input aria-label="lat" value={v.lat} onChange={(e) => setV({ ...v, lat: e.target.value })} required inputMode="decimal" placeholder="37.46" />
          </span>
        </label>
        {field("publicKey", t("admin.devices.publicKey"), { className: styles.mono })}
        {field("reason", t("admin.devices.reason"), { required: false })}
        <div>
          <button className={styles.button} disabled={reg.isPending}>
            {t("admin.devices.registerSubmit")}
          </button>
          {reg.error && <div className={styles.error}>{(reg.error as Error).message}</div>}
        </div>
      </form>
    </details>
  );
}
