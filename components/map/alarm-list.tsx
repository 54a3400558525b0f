"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { AccessNote, EnergyFeatures, EnergyLatest, MapLayers, SafetyFeatures, SafetyLatest } from "@/lib/api/map-specs";
import type { MessageKey } from "@/lib/i18n/messages";
import { useI18n } from "../i18n/i18n-provider";
import { featuresQuery, latestQuery, mapLayersQuery } from "./map-queries";
import { HttpError } from "@/components/http/fetch-json";
import { cameraAlarms, incidentAlarms, newSevere, orderAlarms, outageAlarms, SEVERITY_COLORS, type Alarm } from "./alarms";
import { deniedText, fill } from "./access-text";
import { RequestAccessLink } from "./request-access";
import styles from "./ops.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";

export const SOUND_KEY = "cityBrain.alarmSound";

/**
 * The alarms the viewer may see, newest first: open incidents and camera alerts from the
 * safety layer's live answer, feeder outages from the energy layer's when the map has it.
 * The same scoped reads the map makes (the same query cache: no second request for a layer
 * that is on); live events refresh them.
 */
export function useAlarms() {
  const sf = useQuery(featuresQuery("safety"));
  const sl = useQuery(latestQuery("safety"));
  // Energy only from the cache: the list does not load a layer the officer has not opened.
  const ef = useQuery({ ...featuresQuery("energy"), enabled: false });
  const el = useQuery({ ...latestQuery("energy"), enabled: false });
  const safety = sl.data as SafetyLatest | undefined;
  const alarms = useMemo(
    () =>
      orderAlarms([
        ...incidentAlarms(safety?.incidents),
        ...cameraAlarms(sf.data as SafetyFeatures | undefined, safety),
        ...outageAlarms(ef.data as EnergyFeatures | undefined, el.data as EnergyLatest | undefined),
      ]),
    [safety, sf.data, ef.data, el.data],
  );
  // Refused outright (a guest: neither incidents nor cameras are public), the safety answer is
  // an error: the map's layer list carries the same access check's note, so the list says why
  // instead of "no open incidents".
  const layers = useQuery(mapLayersQuery());
  const refusal = (n: AccessNote): n is Extract<AccessNote, { allowed: false }> => n.datasetId === "safety.incidents" && !n.allowed;
  const refused = sl.error instanceof HttpError && (sl.error.status === 401 || sl.error.status === 403);
  const denied = safety?.access.find(refusal) ?? (refused ? (layers.data as MapLayers | undefined)?.access.find(refusal) : undefined);
  // Ready once the safety answer is in (or refused): alarms known at that moment are not "new".
  return { alarms, denied, loading: sl.isLoading, ready: !!sl.data || !!sl.error };
}

/** What an alarm is, in the UI language. */
export function alarmWhat(a: Alarm, t: (k: MessageKey) => string): string {
  if (a.kind === "outage") return t("alarms.outage");
  if (a.kind === "camera") return fill(t("alarms.camera"), { alert: t(`alarms.alert.${a.type}` as MessageKey) ?? a.type });
  const status = a.status ? t(`alarms.status.${a.status}` as MessageKey) : "";
  return `${t(`incident.${a.type}` as MessageKey) ?? a.type}${status ? ` · ${status}` : ""}`;
}

const sevLabel = (s: number, t: (k: MessageKey) => string) => t(`kpi.severity.s${s}` as MessageKey);

/** Two short beeps made in the browser (Web Audio): no sound file is fetched. */
function beep(ctx: AudioContext) {
  const now = ctx.currentTime;
  for (const start of [0, 0.28]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, now + start);
    gain.gain.exponentialRampToValueAtTime(0.18, now + start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + start + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + start);
    osc.stop(now + start + 0.22);
  }
}

/**
 * The severity-1 cue: alarms of severity 1 that appeared since the page loaded (not the ones
 * open at load), until acknowledged; with the sound on (off by default, remembered in
 * localStorage), each new one beeps.
 */
function useSevereCue(alarms: Alarm[], ready: boolean) {
  const [sound, setSound] = useState(false);
  useEffect(() => setSound(window.localStorage.getItem(SOUND_KEY) === "on"), []);
  const audio = useRef<AudioContext | null>(null);
  const [beeps, setBeeps] = useState(0);
  const ring = useCallback(() => {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    audio.current ??= new Ctx();
    if (audio.current.state === "suspended") void audio.current.resume();
    beep(audio.current);
    setBeeps((b) => b + 1);
  }, []);
  const toggle = () => {
    const next = !sound;
    setSound(next);
    window.localStorage.setItem(SOUND_KEY, next ? "on" : "off");
    // The click is the user gesture the browser wants before it plays sound: a beep says it is on.
    if (next) ring();
  };
  const known = useRef<Set<string> | null>(null);
  const [fresh, setFresh] = useState<Alarm[]>([]);
  useEffect(() => {
    if (!ready) return;
    const added = newSevere(known.current, alarms);
    known.current = new Set([...(known.current ?? []), ...alarms.map((a) => a.id)]);
    if (!added.length) return;
    setFresh((f) => [...added, ...f].slice(0, 5));
    if (sound) ring();
  }, [alarms, ready, sound, ring]);
  // Acknowledged or closed alarms leave the banner.
  const open = new Set(alarms.map((a) => a.id));
  const pending = fresh.filter((a) => open.has(a.id));
  return { sound, toggle, pending, ack: () => setFresh([]), beeps };
}

/**
 * The alarm list of the duty officer's map: live incidents and alerts the viewer may see,
 * newest first, coloured by severity; a click flies there and opens the feature panel.
 */
export function AlarmList(props: { onSelect: (a: Alarm) => void; shifted?: boolean }) {
  const { t, locale } = useI18n();
  const { alarms, denied, loading, ready } = useAlarms();
  const cue = useSevereCue(alarms, ready);
  const [hide, setHide] = useState(false);
  const collapsed = hide;
  const bySev = [1, 2, 3].map((s) => alarms.filter((a) => a.severity === s).length);
  const time = (iso: string) => formatCityTime(iso, locale, "hm");
  return (
    <section
      className={`map-overlay ${styles.alarms}${collapsed ? ` ${styles.collapsed}` : ""}`}
      data-testid="alarm-list"
      data-count={alarms.length}
      data-sound={cue.sound ? "on" : "off"}
      data-beeps={cue.beeps}
      aria-label={t("alarms.title")}
      // With a feature panel open on the right, the list moves to its left instead of under it.
      style={props.shifted ? { right: 424 } : undefined}
    >
      <div className={styles.alarmsHead}>
        <div className={styles.alarmsTitle}>
          {t("alarms.title")}
          {bySev.map((n, i) =>
            n ? (
              <span key={i} className={`${styles.count}${i === 0 && cue.pending.length ? ` ${styles.blink}` : ""}`} style={{ background: SEVERITY_COLORS[(i + 1) as 1 | 2 | 3] }} title={sevLabel(i + 1, t)} data-testid={`alarm-count-s${i + 1}`}>
                {n}
              </span>
            ) : null,
          )}
        </div>
        <button className={`${styles.iconButton}${cue.sound ? ` ${styles.on}` : ""}`} onClick={cue.toggle} aria-pressed={cue.sound} title={t("alarms.sound")} data-testid="alarm-sound">
          {cue.sound ? t("alarms.soundOn") : t("alarms.soundOff")}
        </button>
        <button className={styles.iconButton} onClick={() => setHide(!hide)} aria-expanded={!collapsed} title={collapsed ? t("alarms.expand") : t("alarms.collapse")} data-testid="alarm-collapse">
          {collapsed ? "▴" : "▾"}
        </button>
      </div>
      {cue.pending.length ? (
        <div className={styles.banner} role="alert" data-testid="alarm-banner">
          {fill(t("alarms.newSevere"), { what: `${alarmWhat(cue.pending[0], t)} ${cue.pending[0].id}` })}
          <button onClick={cue.ack}>{t("alarms.ack")}</button>
        </div>
      ) : null}
      {collapsed ? null : (
        <>
          {denied ? (
            <div className={styles.denied} data-testid="alarm-denied">
              {t("alarms.hidden")} {deniedText(denied, t, locale)} <RequestAccessLink note={denied} layer="safety" />
            </div>
          ) : null}
          {loading ? <div className={styles.note}>{t("alarms.loading")}</div> : null}
          {!loading && !denied && alarms.length === 0 ? <div className={styles.note}>{t("alarms.none")}</div> : null}
          {alarms.length ? (
            <ol className={styles.list}>
              {alarms.map((a) => (
                <li key={a.id}>
                  <button
                    className={`${styles.item}${a.severity === 1 && cue.pending.some((p) => p.id === a.id) ? ` ${styles.severe}` : ""}`}
                    style={{ borderLeftColor: SEVERITY_COLORS[a.severity] }}
                    onClick={() => props.onSelect(a)}
                    data-testid="alarm-item"
                    data-id={a.id}
                    data-kind={a.kind}
                    data-severity={a.severity}
                    data-at={a.at}
                  >
                    <span className={styles.sev} style={{ color: SEVERITY_COLORS[a.severity] }}>
                      {sevLabel(a.severity, t)}
                    </span>
                    <span className={styles.what}>
                      {alarmWhat(a, t)} <span className={styles.id}>{a.id}</span>
                    </span>
                    <span className={styles.when}>{time(a.at)}</span>
                  </button>
                </li>
              ))}
            </ol>
          ) : null}
        </>
      )}
    </section>
  );
}

/** The wall's scrolling event ticker: the same alarms, newest first, in one moving line. */
export function AlarmTicker(props: { alarms: Alarm[]; className?: string }) {
  const { t, locale } = useI18n();
  const items = props.alarms.slice(0, 30);
  const time = (iso: string) => formatCityTime(iso, locale, "hm");
  return (
    <div className={`${styles.ticker} ${props.className ?? ""}`} data-testid="wall-ticker" data-count={items.length} aria-label={t("alarms.ticker")}>
      {items.length ? (
        <div className={styles.tickerTrack} style={{ ["--ticker-s" as string]: `${Math.max(20, items.length * 6)}s` }}>
          {items.map((a) => (
            <span key={a.id} className={styles.tickerItem}>
              <strong style={{ color: SEVERITY_COLORS[a.severity] }}>{sevLabel(a.severity, t)}</strong>
              <span>{alarmWhat(a, t)}</span>
              <span className={styles.when}>{time(a.at)}</span>
            </span>
          ))}
        </div>
      ) : (
        <span className={styles.when}>{t("alarms.none")}</span>
      )}
    </div>
  );
}
