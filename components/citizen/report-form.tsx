"use client";
// The mobile-first report page: category, place (map or device location), description,
// photos (location stripped here before hashing unless kept), contact; signed with this
// browser's reporter key and sent through Open311; then the receipt.
import { useEffect, useState } from "react";
import { useI18n } from "../i18n/i18n-provider";
import { fill } from "@/lib/i18n/fill";
import { MapPickerLoader as MapPicker } from "../map-picker/map-picker-loader";
import { SERVICES } from "@/lib/citizen/service-catalogue";
import { reportContentBytes, sha256Hex, type ReportContent } from "@/lib/citizen/report-content";
import { stripLocation } from "@/lib/citizen/photo-metadata";
import { MAX_PHOTO_BYTES, MAX_PHOTOS } from "@/lib/citizen/report-input";
import { toBase64 } from "@/lib/ledger/encoding";
import { reporterKey, saveSignedCopy } from "./reporter-key";
import { postReport } from "./citizen-api";
import { ReportReceiptCard } from "./report-receipt";
import styles from "./citizen.module.css";

type LonLat = { lon: number; lat: number };

export function ReportForm() {
  const { t, locale } = useI18n();
  const [service, setService] = useState<string | null>(null);
  const [place, setPlace] = useState<LonLat | null>(null);
  const [description, setDescription] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [keep, setKeep] = useState(false);
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [busy, setBusy] = useState(false);
  const [locating, setLocating] = useState<"idle" | "busy" | "denied">("idle");
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<{ id: string } | null>(null);
  const [reporter, setReporter] = useState<string | null>(null);

  useEffect(() => {
    void reporterKey().then((k) => setReporter(k.id));
  }, []);

  function locate() {
    if (!navigator.geolocation) return setLocating("denied");
    setLocating("busy");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setPlace({ lon: Number(p.coords.longitude.toFixed(6)), lat: Number(p.coords.latitude.toFixed(6)) });
        setLocating("idle");
      },
      () => setLocating("denied"),
      { timeout: 10_000 },
    );
  }

  async function submit() {
    setError(null);
    if (!service || !description.trim()) return setError(t("report.needAll"));
    if (!place) return setError(t("report.needPlace"));
    setBusy(true);
    try {
      const key = await reporterKey();
      const photos: Uint8Array[] = [];
      for (const f of files.slice(0, MAX_PHOTOS)) {
        const raw = new Uint8Array(await f.arrayBuffer());
        if (raw.length > MAX_PHOTO_BYTES) throw new Error(`${f.name}: > 5 MB`);
        photos.push(keep ? raw : stripLocation(raw));
      }
      const content: ReportContent = {
        kind: "city-brain-report.v1",
        serviceCode: service,
        description,
        lon: place.lon,
        lat: place.lat,
        attributes: {},
        photos: photos.map(sha256Hex),
        reporterKey: key.publicKey,
        signedAt: new Date().toISOString(),
      };
      const signature = toBase64(await key.sign(reportContentBytes(content)));
      const form = new FormData();
      form.set("service_code", service);
      form.set("description", description);
      form.set("lat", String(place.lat));
      form.set("long", String(place.lon));
      form.set("reporter_key", key.publicKey);
      form.set("signature", signature);
      form.set("signed_at", content.signedAt);
      if (keep) form.set("keep_location", "true");
      if (email.trim()) form.set("email", email.trim());
      if (phone.trim()) form.set("phone", phone.trim());
      photos.forEach((p, i) => form.append("media", new Blob([p.slice().buffer as ArrayBuffer]), `photo-${i}`));
      const [created] = await postReport(form);
      await saveSignedCopy(created.service_request_id, { content, signature });
      setSent({ id: created.service_request_id });
    } catch (e) {
      setError(fill(t("report.failed"), { error: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  }

  if (sent)
    return (
      <div className={styles.page} data-testid="report-page">
        <ReportReceiptCard id={sent.id} />
        <a href="/report/mine" data-testid="to-mine">{t("report.mine")}</a>
        <button type="button" className={styles.cat} onClick={() => { setSent(null); setDescription(""); setFiles([]); setService(null); setPlace(null); }}>{t("report.newReport")}</button>
      </div>
    );

  return (
    <div className={styles.page} data-testid="report-page">
      <h1>{t("report.title")}</h1>
      <p className={styles.intro}>{t("report.intro")}</p>
      {reporter && <p className={styles.small} data-testid="reporter-id">{t("report.key")}: {reporter}</p>}
      <div className={styles.field}>
        <span>{t("report.category")}</span>
        <div className={styles.cats}>
          {SERVICES.map((s) => (
            <button key={s.code} type="button" className={styles.cat} aria-pressed={service === s.code} data-testid={`cat-${s.code}`} onClick={() => setService(s.code)}>
              {locale === "zh-CN" ? s.nameZh : s.nameEn}
            </button>
          ))}
        </div>
      </div>
      <div className={styles.field}>
        <span>{t("report.place")}</span>
        <div className={styles.row}>
          <button type="button" className={styles.cat} onClick={locate} data-testid="use-location">{locating === "busy" ? t("report.locating") : t("report.useLocation")}</button>
          {locating === "denied" && <span className={styles.small}>{t("report.locationDenied")}</span>}
        </div>
        <MapPicker mode="point" value={place} onChange={setPlace} height={260} testId="report-map" />
      </div>
      <label className={styles.field}>
        <span>{t("report.description")}</span>
        <textarea rows={4} maxLength={4000} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="report-description" />
      </label>
      <label className={styles.field}>
        <span>{t("report.photos")}</span>
        <input type="file" accept="image/jpeg,image/png" multiple capture="environment" data-testid="report-photos" onChange={(e) => setFiles(Array.from(e.target.files ?? []).slice(0, MAX_PHOTOS))} />
      </label>
      <label className={styles.row}>
        <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.target.checked)} />
        <span className={styles.small}>{t("report.keepLocation")}</span>
      </label>
      <details>
        <summary>{t("report.contact")}</summary>
        <div className={styles.field}>
          <input type="email" placeholder={t("report.email")} value={email} onChange={(e) => setEmail(e.target.value)} />
          <input type="tel" placeholder={t("report.phone")} value={phone} onChange={(e) => setPhone(e.target.value)} />
        </div>
      </details>
      {error && <p className={styles.error} data-testid="report-error">{error}</p>}
      <button type="button" className={styles.primary} disabled={busy} onClick={() => void submit()} data-testid="report-submit">
        {busy ? t("report.sending") : t("report.submit")}
      </button>
      <a href="/report/mine">{t("report.mine")}</a>
    </div>
  );
}
