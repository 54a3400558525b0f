"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson } from "@/components/http/fetch-json";
import { useMe } from "../auth/use-me";
import { departmentName } from "../auth/user-menu";
import { DATASETS } from "@/lib/city/datasets";
import type { MessageKey } from "@/lib/i18n/messages";
import styles from "../console.module.css";
import { Pager } from "./pager";
import { datasetName } from "../map/access-text";
import { formatCityTime } from "@/lib/i18n/city-time";
import { grantStatusKey } from "./grant-status";
import { ChoiceSelect, departmentChoices } from "@/components/ui/choice-select";
import { TableHead } from "@/components/ui/table-head";
import { staffOnlyNotice } from "./staff-only";
import { SubmitForm } from "@/components/ui/submit-form";

type Rule = {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  retiredAt: string | null;
  definition: {
    name: string;
    trigger: { maxSeverity: number; types?: string[]; statuses: string[] };
    grant: { granteeDepartmentId: string; datasets: string[]; scope: string; radiusM: number | null; durationSeconds: number };
  };
  /** The newest grants it made (the first page), and how many it made in all. */
  grants: { id: string; datasetId: string; granteeDepartmentId: string; status: string; incident: string; validFrom: string; validUntil: string }[];
  grantsTotal: number;
};

type Preview = {
  matching: number;
  incidents: { incident: string; type: string; severity: number; status: string; observedAt: string }[] | null;
  grants: number;
  datasets: string[];
  granteeDepartmentId: string;
};

/** Emergency linkage rules: the sysadmin defines and retires them; everyone who may see them sees the grants they made. */
export function RulesAdmin() {
  const { t, locale } = useI18n();
  const me = useMe();
  const role = me.data?.user?.role;
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["rules"], queryFn: () => fetchJson<{ rules: Rule[] }>("/api/rules"), enabled: !!role && role !== "official", refetchInterval: 5_000 });
  const retire = useMutation({
    mutationFn: (p: { id: string; revokeGrants: boolean }) => fetchJson(`/api/rules/${p.id}/retire`, { method: "POST", json: { revokeGrants: p.revokeGrants } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["rules"] }),
  });
  // Retiring asks first; with grants still active, whether to revoke them too.
  const askRetire = (r: Rule) => {
    const active = r.grants.filter((g) => g.status === "active").length;
    if (!window.confirm(t("rules.retireConfirm").replace("{name}", r.name))) return;
    const revokeGrants = active > 0 && window.confirm(t("rules.retireRevoke").replace("{n}", String(active)));
    retire.mutate({ id: r.id, revokeGrants });
  };
  const notice = staffOnlyNotice(me.isLoading, role, t);
  if (notice) return notice;
  const dsName = (id: string) => datasetName(id, locale);
  return (
    <div className={styles.page} data-testid="rules-admin">
      <h1>{t("rules.title")}</h1>
      <p className={styles.intro}>{t("rules.intro")}</p>
      {role === "sysadmin" ? <RuleForm /> : <p className={styles.muted}>{t("rules.sysadminOnly")}</p>}
      {q.error && <p className={styles.error}>{t("admin.error")}{(q.error as Error).message}</p>}
      {(q.data?.rules ?? []).map((r) => (
        <section key={r.id} className={styles.panel} data-testid={`rule-${r.id}`} data-name={r.name}>
          <h2 className={styles.small}>
            {r.name} <span className={styles.mono}>{r.id} v{r.version}</span>{" "}
            <span className={`${styles.badge} ${r.retiredAt ? styles.revoked : styles.active}`}>{r.retiredAt ? t("rules.retired") : t("rules.enabled")}</span>
          </h2>
          <p className={styles.small}>
            {t("rules.severityAtMost").replace("{n}", String(r.definition.trigger.maxSeverity))} ({r.definition.trigger.statuses.map((x) => t(`incidentStatus.${x}` as MessageKey)).join(t("list.separator"))}
            {r.definition.trigger.types ? `; ${r.definition.trigger.types.map((x) => t(`incident.${x}` as MessageKey)).join(t("list.separator"))}` : ""}) → {departmentName(r.definition.grant.granteeDepartmentId, locale)}:{" "}
            {r.definition.grant.datasets.map(dsName).join(", ")} · {t(`scope.${r.definition.grant.scope}` as MessageKey)} ·{" "}
            {r.definition.grant.radiusM === null ? "—" : `${r.definition.grant.radiusM} m`} · {formatDuration(r.definition.grant.durationSeconds)}
          </p>
          {role === "sysadmin" && !r.retiredAt && (
            <button type="button" className={`${styles.button} ${styles.danger}`} onClick={() => askRetire(r)} data-testid={`retire-${r.id}`}>
              {t("rules.retire")}
            </button>
          )}
          <h3 className={styles.small}>{t("rules.fired")}</h3>
          <RuleGrants rule={r} />
        </section>
      ))}
    </div>
  );
}

function RuleForm() {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [f, setF] = useState({ name: "", maxSeverity: "1", grantee: "emergency", datasets: ["safety.cameras", "traffic.flow"], scope: "raw", radiusM: "2000", minutes: "360" });
  const [err, setErr] = useState<string | null>(null);
  const definition = () => ({
    name: f.name,
    trigger: { maxSeverity: Number(f.maxSeverity) },
    grant: { granteeDepartmentId: f.grantee, datasets: f.datasets, scope: f.scope, radiusM: f.radiusM.trim() ? Number(f.radiusM) : null, durationSeconds: Math.round(Number(f.minutes) * 60) },
  });
  // Step one: what the rule would match and grant now. Step two, confirmed: enable it.
  const [preview, setPreview] = useState<Preview | null>(null);
  const change = (next: typeof f) => {
    setF(next);
    setPreview(null);
  };
  const p = useMutation({
    mutationFn: () => fetchJson<Preview>("/api/rules/preview", { method: "POST", json: definition() }),
    onSuccess: (v) => {
      setErr(null);
      setPreview(v);
    },
    onError: (e) => setErr((e as Error).message),
  });
  const m = useMutation({
    mutationFn: () => fetchJson("/api/rules", { method: "POST", json: definition() }),
    onSuccess: () => {
      setErr(null);
      setPreview(null);
      setF({ ...f, name: "" });
      void qc.invalidateQueries({ queryKey: ["rules"] });
    },
    onError: (e) => setErr((e as Error).message),
  });
  const enable = () => {
    if (!preview) return;
    if (preview.grants > 0 && !window.confirm(t("rules.enableConfirm").replace("{n}", String(preview.grants)).replace("{m}", String(preview.matching)))) return;
    m.mutate();
  };
  return (
    <details className={styles.panel} data-testid="rule-form">
      <summary>{t("rules.new")}</summary>
      <SubmitForm
        className={styles.form}
        onSubmit={() => p.mutate()}
      >
        <label>
          {t("rules.name")}
          <input required value={f.name} onChange={(e) => change({ ...f, name: e.target.value })} />
        </label>
        <label>
          {t("rules.maxSeverity")}
          <ChoiceSelect value={f.maxSeverity} onChange={(maxSeverity) => change({ ...f, maxSeverity })} choices={["1", "2", "3"].map((s) => [s, s])} />
        </label>
        <label>
          {t("rules.grantee")}
          <ChoiceSelect value={f.grantee} onChange={(grantee) => change({ ...f, grantee })} choices={departmentChoices(locale)} />
        </label>
        <fieldset className={styles.checkboxes} data-testid="rule-datasets">
          <legend>{t("rules.datasets")}</legend>
          {DATASETS.map((d) => (
            <label key={d.id}>
              <input
                type="checkbox"
                checked={f.datasets.includes(d.id)}
                onChange={(e) => change({ ...f, datasets: e.target.checked ? [...f.datasets, d.id] : f.datasets.filter((x) => x !== d.id) })}
              />{" "}
              {locale === "en" ? d.nameEn : d.nameZh} <span className={styles.muted}>({departmentName(d.departmentId, locale)})</span>
            </label>
          ))}
        </fieldset>
        <label>
          {t("grants.scope")}
          <ChoiceSelect value={f.scope} onChange={(scope) => change({ ...f, scope })} choices={(["raw", "anonymized", "aggregated"] as const).map((s) => [s, t(`scope.${s}`)])} />
        </label>
        <label>
          {t("rules.radius")}
          <input inputMode="numeric" value={f.radiusM} onChange={(e) => change({ ...f, radiusM: e.target.value })} />
        </label>
        <label>
          {t("rules.duration")}
          <input inputMode="decimal" required value={f.minutes} onChange={(e) => change({ ...f, minutes: e.target.value })} />
        </label>
        <label>
          &nbsp;
          <button type="submit" className={styles.button} disabled={p.isPending || f.datasets.length === 0} data-testid="rule-preview">
            {t("rules.preview")}
          </button>
        </label>
      </SubmitForm>
      {preview && (
        <div className={styles.panel} data-testid="rule-preview-result" data-matching={preview.matching} data-grants={preview.grants}>
          <p>
            {t("rules.previewSummary")
              .replace("{m}", String(preview.matching))
              .replace("{n}", String(preview.grants))
              .replace("{department}", departmentName(preview.granteeDepartmentId, locale))}
          </p>
          {preview.incidents === null ? (
            preview.matching > 0 && <p className={styles.muted}>{t("rules.previewHidden")}</p>
          ) : (
            preview.incidents.length > 0 && (
              <table className={styles.table}>
                <TableHead headings={[t("rules.incident"), t("rules.severity"), t("grants.status"), t("grants.when")]} />
                <tbody>
                  {preview.incidents.map((i) => (
                    <tr key={i.incident}>
                      <td>
                        <span className={styles.mono}>{i.incident}</span> · {t(`incident.${i.type}` as MessageKey)}
                      </td>
                      <td>{i.severity}</td>
                      <td>{t(`incidentStatus.${i.status}` as MessageKey)}</td>
                      <td className={styles.small}>{formatCityTime(i.observedAt, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          )}
          <button type="button" className={styles.button} onClick={enable} disabled={m.isPending} data-testid="rule-enable">
            {t("rules.enable")}
          </button>
        </div>
      )}
      {err && <p className={styles.error}>{err}</p>}
    </details>
  );
}

/** 8 s, 45 min, 6 h, 2 d. */
function formatDuration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round((s / 3600) * 10) / 10} h`;
  return `${Math.round((s / 86_400) * 10) / 10} d`;
}

/** A page of a rule's grants: the size the rules list carries (RULE_GRANTS_SHOWN in lib/rules). */
const RULE_PAGE = 10;
type RuleGrant = { id: string; datasetId: string; granteeDepartmentId: string; status: string; triggerRef: string | null; validUntil: string };

/**
 * The grants a rule has made, newest first, 10 a page: the first page from the rules list,
 * later ones from GET /api/grants?rule= (the viewer sees the grants they may see).
 */
function RuleGrants({ rule }: { rule: Rule }) {
  const { t, locale } = useI18n();
  const [offset, setOffset] = useState(0);
  const more = useQuery({
    queryKey: ["rules", rule.id, "grants", offset],
    queryFn: () => fetchJson<{ total: number; limit: number; offset: number; grants: RuleGrant[] }>(`/api/grants?rule=${encodeURIComponent(rule.id)}&limit=${RULE_PAGE}&offset=${offset}`),
    enabled: offset > 0,
    placeholderData: (prev) => prev,
  });
  const grants: RuleGrant[] =
    offset === 0 ? rule.grants.map((g) => ({ ...g, triggerRef: g.incident })) : (more.data?.grants ?? []);
  const dsName = (id: string) => datasetName(id, locale);
  if (rule.grantsTotal === 0) return <p className={styles.muted}>{t("grants.none")}</p>;
  return (
    <>
      <table className={styles.table}>
        <TableHead headings={[t("rules.incident"), t("grants.dataset"), t("grants.grantee"), t("grants.validUntil"), t("grants.status")]} />
        <tbody>
          {grants.map((g) => (
            <tr key={g.id} data-testid={`rule-grant-${g.id}`} data-status={g.status} data-incident={g.triggerRef ?? ""}>
              <td className={styles.mono}>
                {g.triggerRef} <a href={`/admin/grants?grant=${encodeURIComponent(g.id)}`} className={styles.muted}>{g.id}</a>
              </td>
              <td>{dsName(g.datasetId)}</td>
              <td>{departmentName(g.granteeDepartmentId, locale)}</td>
              <td className={styles.small}>{formatCityTime(g.validUntil, locale)}</td>
              <td>
                <span className={`${styles.badge} ${g.status === "active" ? styles.active : styles.expired}`}>{t(grantStatusKey(g.status))}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={{ total: rule.grantsTotal, limit: RULE_PAGE, offset }} onOffset={setOffset} testId={`rule-${rule.id}-grants`} />
    </>
  );
}
