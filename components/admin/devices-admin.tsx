"use client";
import { useEffect, useState } from "react";
import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { DEVICE_KINDS } from "@/lib/devices/device-kinds";
import type { DeviceListItem } from "@/lib/devices/list-devices";
import type { DeviceKeyHistory, KeyEvent } from "@/lib/devices/get-device-history";
import type { MessageKey } from "@/lib/i18n/messages";
import { formatCityTime } from "@/lib/i18n/city-time";
import { fill } from "@/lib/i18n/fill";
import { fetchJson, HttpError } from "@/components/http/fetch-json";
import { AdminNotice } from "./admin-notice";
import styles from "../console.module.css";
import { MapPickerLoader as MapPicker } from "../map-picker/map-picker-loader";
import { useMe } from "../auth/use-me";
import { TableHead } from "@/components/ui/table-head";
import { ChoiceSelect, departmentChoices } from "@/components/ui/choice-select";
import { SubmitForm } from "@/components/ui/submit-form";

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

const HISTORY_PAGE = 10;

export const deviceHistoryQuery = (device: string, offset: number) =>
  queryOptions({
    queryKey: ["devices", "history", device, offset],
    queryFn: () => fetchJson<DeviceKeyHistory>(`/api/devices/${encodeURIComponent(device)}/history?limit=${HISTORY_PAGE}&offset=${offset}`),
    retry: false,
    placeholderData: keepPreviousData,
  });

type T = (k: MessageKey) => string;
const FIELD_LABELS: Record<string, MessageKey> = {
  id: "admin.devices.id",
  departmentId: "admin.department",
  datasetId: "admin.devices.dataset",
  kind: "admin.devices.kind",
  location: "admin.devices.location",
  publicKey: "admin.devices.publicKey",
  reason: "admin.devices.reason",
};
/** The console's refusals of a device change, as the server words them (lib/devices), and their messages. */
const REFUSALS: [RegExp, MessageKey, string[]][] = [
  [/^device (\S+) is already registered/, "admin.devices.err.taken", ["device"]],
  [/^department (\S+) does not exist/, "admin.devices.err.department", ["department"]],
  [/^dataset (\S+) belongs to department (\S+), not (\S+)/, "admin.devices.err.datasetOwner", ["dataset", "owner", "department"]],
  [/^dataset (\S+) does not exist/, "admin.devices.err.dataset", ["dataset"]],
  [/^a gateway's dataset must be/, "admin.devices.err.gatewayDataset", []],
  [/^publicKey of \S+ must be base64/, "admin.devices.err.keyBase64", []],
  [/^public key of \S+ must be 32 bytes, got (\d+)/, "admin.devices.err.keyLength", ["n"]],
  [/^public key of \S+ is not a valid Ed25519 point/, "admin.devices.err.keyPoint", []],
  [/^public key of \S+ is a small-order point/, "admin.devices.err.keySmallOrder", []],
  [/already has this key/, "admin.devices.err.sameKey", []],
  [/is revoked: a revoked device stays revoked/, "admin.devices.err.revoked", []],
  [/is already revoked/, "admin.devices.err.alreadyRevoked", []],
  [/has no key to revoke/, "admin.devices.err.noKey", []],
  [/needs a reason/, "admin.devices.err.reasonNeeded", []],
];

/** A refused device change in the UI language; the server's words only for a refusal it has no message for. */
export function deviceErrorText(e: unknown, t: T): string {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof HttpError && e.status === 403) return t("admin.devices.err.forbidden");
  for (const [re, key, names] of REFUSALS) {
    const m = re.exec(message);
    if (m) return fill(t(key), Object.fromEntries(names.map((n, i) => [n, m[i + 1]])));
  }
  // A schema refusal names its field first ("publicKey: …", "location.0: …").
  const field = /^([A-Za-z]+)[.:]/.exec(message)?.[1];
  if (field && FIELD_LABELS[field]) return fill(t("admin.devices.err.field"), { field: t(FIELD_LABELS[field]) });
  return fill(t("admin.devices.err.other"), { message });
}

const kindText = (kind: string, t: T) => (DEVICE_KINDS as readonly string[]).includes(kind) ? t(`deviceKind.${kind}` as MessageKey) : kind;

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
        <ChoiceSelect
          aria-label={t("admin.devices.status")}
          value={f.status}
          onChange={(status) => setF({ ...f, status, offset: 0 })}
          none={{ label: t("admin.devices.statusAll") }}
          choices={(["active", "revoked", "unkeyed"] as const).map((s) => [s, t(`status.${s}`)])}
        />
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
              <TableHead headings={[t("admin.devices.id"), t("admin.devices.kind"), t("admin.devices.dataset"), t("admin.devices.status"), t("admin.devices.key"), t("admin.devices.lastSeq"), t("admin.devices.updated"), t("admin.devices.actions")]} />
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
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [history, setHistory] = useState(false);
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
    onSuccess: async (res) => {
      // The answer names the device's new status: the row shows it at once. A list fetch still
      // on its way (a search typed just before) read the old status: it is cancelled first, and
      // the list is fetched again after the change (onDone).
      await qc.cancelQueries({ queryKey: ["devices"] });
      const changed = res as { device?: string; status?: string } | null;
      if (changed?.device && changed.status)
        qc.setQueriesData<{ devices: DeviceListItem[] }>({ queryKey: ["devices"] }, (old) =>
          old?.devices
            ? { ...old, devices: old.devices.map((x) => (x.id === changed.device ? { ...x, status: changed.status!, statusReason: mode === "revoke" ? input : x.statusReason } : x)) }
            : old,
        );
      setMode("none");
      setInput("");
      setWhy("");
      onDone();
    },
  });
  const statusKey = `status.${d.status}` as MessageKey;
  const placeholder = mode === "revoke" ? t("admin.devices.revokeReason") : mode === "release" ? t("admin.devices.releaseReason") : t("admin.devices.newKey");
  return (
    <>
      <tr data-testid={`device-${d.id}`}>
        <td className={styles.mono}>{d.id}</td>
        <td>{kindText(d.kind, t)}</td>
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
              {t("admin.devices.suspectUntil")} {formatCityTime(d.suspectUntil, locale)}
            </div>
          )}
        </td>
        <td className={styles.mono}>{d.keyFingerprint ?? "—"}</td>
        <td className={styles.mono}>{d.lastSeq}</td>
        <td className={styles.muted}>{formatCityTime(d.updatedAt, locale)}</td>
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
              <button className={`${styles.button} ${styles.ghost}`} aria-expanded={history} onClick={() => setHistory(!history)} data-testid={`history-toggle-${d.id}`}>
                {t(history ? "admin.devices.historyHide" : "admin.devices.history")}
              </button>
            </div>
          ) : (
            <SubmitForm
              className={styles.inline}
              onSubmit={() => {
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
            </SubmitForm>
          )}
          {act.error && <div className={styles.error}>{deviceErrorText(act.error, t)}</div>}
        </td>
      </tr>
      {history && (
        <tr data-testid={`history-${d.id}`}>
          <td colSpan={8}>
            <KeyHistory device={d.id} />
          </td>
        </tr>
      )}
    </>
  );
}

/** Every key a device has had, newest first, each change linked to its ledger entry; times in the city's local time. */
function KeyHistory({ device }: { device: string }) {
  const { t, locale } = useI18n();
  const [offset, setOffset] = useState(0);
  const q = useQuery(deviceHistoryQuery(device, offset));
  const event = (e: KeyEvent<string>, key: MessageKey) => (
    <div data-testid={`key-event-${e.leaf}`}>
      <span className={`${styles.badge} ${e.action === "revoke" ? (styles.revoked ?? "") : ""}`}>{t(key)}</span> {formatCityTime(e.at, locale)}{" "}
      <a href={`/audit/entries/${e.leaf}`} className={styles.mono}>
        {fill(t("admin.devices.historyLeaf"), { leaf: e.leaf })}
      </a>
      {e.reason && <div className={styles.muted}>{fill(t("admin.devices.historyReason"), { reason: e.reason })}</div>}
    </div>
  );
  return (
    <div className={styles.panel} data-testid={`key-history-${device}`}>
      <p className={styles.muted}>{fill(t("admin.devices.historyOf"), { device })}</p>
      <AdminNotice error={q.error} loading={q.isLoading} />
      {q.data &&
        (q.data.keys.length === 0 ? (
          <p className={styles.muted}>{t("admin.devices.historyEmpty")}</p>
        ) : (
          <table className={styles.table}>
            <TableHead headings={[t("admin.devices.key"), t("admin.devices.historyFrom"), t("admin.devices.historyUntil")]} />
            <tbody>
              {q.data.keys.map((k) => (
                <tr key={k.from.leaf} data-testid={`key-${k.fingerprint}`}>
                  <td className={styles.mono} title={k.publicKey}>
                    {k.fingerprint}
                  </td>
                  <td>{event(k.from, k.from.action === "register" ? "keyEvent.register" : k.from.action === "reinstate" ? "keyEvent.reinstate" : "keyEvent.rotateIn")}</td>
                  <td>{k.until ? event(k.until, k.until.action === "revoke" ? "keyEvent.revoke" : "keyEvent.rotateOut") : <span className={`${styles.badge} ${styles.active ?? ""}`}>{t("admin.devices.historyCurrent")}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {q.data && q.data.total > HISTORY_PAGE && (
        <div className={styles.pager}>
          <button className={`${styles.button} ${styles.ghost}`} disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - HISTORY_PAGE))}>
            {t("admin.prev")}
          </button>
          <span className={styles.muted}>{fill(t("admin.devices.historyTotal"), { n: q.data.total })}</span>
          <button className={`${styles.button} ${styles.ghost}`} disabled={offset + HISTORY_PAGE >= q.data.total} onClick={() => setOffset(offset + HISTORY_PAGE)}>
            {t("admin.next")}
          </button>
        </div>
      )}
    </div>
  );
}

function RegisterDevice({ onDone, department }: { onDone: () => void; department: string }) {
  const { t, locale } = useI18n();
  // The department the list shows, else the admin's own.
  const own = (useMe().data?.user as { departmentId?: string } | null | undefined)?.departmentId ?? "";
  const empty = { id: "", departmentId: "", datasetId: "", kind: "traffic-sensor", lon: "", lat: "", publicKey: "", reason: "" };
  const [v, setV] = useState(empty);
  // Until the admin picks one, the department is the list's, else the admin's own.
  const departmentId = v.departmentId || department || own;
  // The map loads only once the form is open (MapLibre cannot size itself in a closed <details>).
  const [open, setOpen] = useState(false);
  const point = Number.isFinite(Number.parseFloat(v.lon)) && Number.isFinite(Number.parseFloat(v.lat)) ? { lon: Number(v.lon), lat: Number(v.lat) } : null;
  const reg = useMutation({
    mutationFn: () =>
      fetchJson("/api/devices", {
        method: "POST",
        body: JSON.stringify({
          id: v.id.trim(),
          departmentId,
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
    <details className={styles.panel} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{t("admin.devices.register")}</summary>
      <SubmitForm
        className={styles.form}
        onSubmit={() => reg.mutate()}
      >
        {field("id", t("admin.devices.id"), { pattern: "[A-Za-z0-9][A-Za-z0-9._:\\-]*", maxLength: 128 })}
        <label>
          {t("admin.department")}
          <ChoiceSelect aria-label={t("admin.department")} value={departmentId} onChange={(id) => setV({ ...v, departmentId: id })} required none={{ label: "…", disabled: true }} choices={departmentChoices(locale)} />
        </label>
        <label>
          {t("admin.devices.kind")}
          <ChoiceSelect aria-label={t("admin.devices.kind")} value={v.kind} onChange={(kind) => setV({ ...v, kind })} choices={DEVICE_KINDS.map((k) => [k, t(`deviceKind.${k}` as MessageKey)])} />
        </label>
        {v.kind !== "gateway" && field("datasetId", t("admin.devices.dataset"))}
        <label>
          {t("admin.devices.location")}
          <span className={styles.pair}>
            <input aria-label={t("admin.devices.lon")} value={v.lon} onChange={(e) => setV({ ...v, lon: e.target.value })} required inputMode="decimal" placeholder="121.45" />
            <input aria-label={t("admin.devices.lat")} value={v.lat} onChange={(e) => setV({ ...v, lat: e.target.value })} required inputMode="decimal" placeholder="37.46" />
          </span>
          <span className={styles.muted}>{t("admin.devices.pickOnMap")}</span>
        </label>
        {open ? (
          <div className={styles.wide} data-testid="device-location-picker">
            <MapPicker mode="point" value={point} onChange={(p) => setV((cur) => ({ ...cur, lon: String(p.lon), lat: String(p.lat) }))} height={260} />
          </div>
        ) : null}
        {field("publicKey", t("admin.devices.publicKey"), { className: styles.mono })}
        {field("reason", t("admin.devices.reason"), { required: false })}
        <div>
          <button className={styles.button} disabled={reg.isPending}>
            {t("admin.devices.registerSubmit")}
          </button>
          {reg.error && <div className={styles.error}>{deviceErrorText(reg.error, t)}</div>}
        </div>
      </SubmitForm>
    </details>
  );
}
