/**
 * Electricity over time: feeder load by customer mix (residential evening peak, commercial
 * and industrial daytime plateau, a midday dip where rooftop solar covers demand), the sun
 * over Yantai through the seasons, city-wide cloud and wind, and turbine power curves.
 */
import { valueNoise1D, type Feeder, type RenewableSite } from "../city";
import type { LocalTime } from "./local-time";

const g = (x: number, mu: number, sigma: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2);
const plateau = (h: number, from: number, to: number, edge: number) =>
  (1 / (1 + Math.exp(-(h - from) / edge))) * (1 / (1 + Math.exp(-(to - h) / edge)));

/**
 * Clear-sky solar output (0..1) at a local hour and day of year at about 37.5°N: day length
 * from about 9.7 h in December to 14.6 h in June, solar noon about 11:55, lower peaks in winter.
 */
export function solarClearSky(hour: number, dayOfYear: number): number {
  const season = Math.sin((2 * Math.PI * (dayOfYear - 80)) / 365);
  const dayLength = 12.15 + 2.45 * season;
  const sunrise = 11.9 - dayLength / 2;
  const t = (hour - sunrise) / dayLength;
  if (t <= 0 || t >= 1) return 0;
  const peak = 0.82 + 0.18 * season;
  return peak * Math.sin(Math.PI * t) ** 1.3;
}

/** City-wide cloudiness as a clear-sky multiplier (0.15..1), changing over hours. */
export function cloudFactor(weatherSeed: number, ms: number): number {
  const v = 0.72 + 0.32 * valueNoise1D(weatherSeed, ms / 7_200_000) + 0.08 * valueNoise1D(weatherSeed ^ 0x1b873593, ms / 900_000);
  return Math.max(0.15, Math.min(1, v));
}

/** Load relative to the feeder's peak (about 0.3..1.05) for its customer mix. */
export function loadProfile(profile: Feeder["profile"], hour: number, weekend: boolean, dayOfYear: number): number {
  const summer = Math.max(0, Math.sin((2 * Math.PI * (dayOfYear - 110)) / 365));
  const cooling = 1 + 0.1 * summer * g(hour, 15, 3.5);
  switch (profile) {
    case "residential":
      return cooling * (0.38 + 0.16 * g(hour, 7.5, 1.2) + 0.18 * g(hour, 12, 2) + 0.5 * g(hour, 19.8, 1.8) + (weekend ? 0.06 * plateau(hour, 9, 21, 1) : 0));
    case "commercial":
      return cooling * (0.3 + (weekend ? 0.5 : 0.62) * plateau(hour, 8.5, 20.5, 0.8) + 0.08 * g(hour, 19.5, 1.5));
    case "industrial":
      return cooling * (0.55 + (weekend ? 0.15 : 0.4) * plateau(hour, 7.5, 17.5, 0.6));
  }
}

/** Feeder values: load (MW), utilisation and head voltage (kV). */
export function feederValues(
  f: Feeder, peakShare: number, noiseSeed: number, ms: number, lt: LocalTime, sun: number,
): { loadMw: number; utilisation: number; voltageKv: number } {
  const noise = 1 + 0.04 * valueNoise1D(noiseSeed, ms / 600_000) + 0.03 * valueNoise1D(noiseSeed ^ 0x68e31da4, ms / 3_600_000);
  const gross = loadProfile(f.profile, lt.hour, lt.weekend, lt.dayOfYear) * peakShare * noise;
  const net = Math.max(0.03, gross - f.rooftopSolarShare * sun);
  const loadMw = Math.min(1.1 * f.capacityMw, net * f.capacityMw);
  const utilisation = loadMw / f.capacityMw;
  const voltageKv = 10.55 - 0.45 * utilisation + 0.05 * valueNoise1D(noiseSeed ^ 0x3c6ef372, ms / 300_000);
  return {
    loadMw: Math.round(loadMw * 1000) / 1000,
    utilisation: Math.round(utilisation * 1000) / 1000,
    voltageKv: Math.round(voltageKv * 100) / 100,
  };
}

/** Wind turbine power curve: share of rated power at a hub-height wind speed (m/s). */
export function windPowerCurve(speedMs: number): number {
  if (speedMs < 3 || speedMs >= 25) return 0;
  if (speedMs >= 12) return 1;
  return (speedMs ** 3 - 27) / (1728 - 27);
}

/** Production of a renewable site. */
export function productionValues(
  site: RenewableSite, siteSeed: number, weatherSeed: number, ms: number, lt: LocalTime,
): Record<string, number | string> {
  if (site.kind === "solar") {
    const clear = solarClearSky(lt.hour, lt.dayOfYear);
    const cloud = cloudFactor(weatherSeed, ms) * (0.96 + 0.04 * valueNoise1D(siteSeed, ms / 600_000));
    const cf = Math.max(0, Math.min(1, clear * cloud * 0.95));
    return {
      meter: "production",
      source: "solar",
      productionMw: Math.round(cf * site.capacityMw * 1000) / 1000,
      capacityFactor: Math.round(cf * 1000) / 1000,
      irradianceWm2: Math.round(Math.min(1400, 1050 * clear * cloud)),
    };
  }
  if (site.kind === "hydro") {
    // Run of river: the river's flow changes over days, not minutes; about half the rated power on average.
    const cf = Math.max(0.05, Math.min(1, 0.5 + 0.25 * valueNoise1D(weatherSeed ^ 0x2545f491, ms / 259_200_000) + 0.05 * valueNoise1D(siteSeed, ms / 3_600_000)));
    return {
      meter: "production",
      source: "hydro",
      productionMw: Math.round(cf * site.capacityMw * 1000) / 1000,
      capacityFactor: Math.round(cf * 1000) / 1000,
    };
  }
  const mean = site.offshore ? 8.2 : 6.3;
  const speed = Math.max(0, Math.min(45,
    mean * (1 + 0.45 * valueNoise1D(weatherSeed ^ 0x7f4a7c15, ms / 10_800_000) + 0.12 * valueNoise1D(siteSeed, ms / 1_200_000))));
  const cf = Math.max(0, Math.min(1, windPowerCurve(speed) * 0.97));
  return {
    meter: "production",
    source: "wind",
    productionMw: Math.round(cf * site.capacityMw * 1000) / 1000,
    capacityFactor: Math.round(cf * 1000) / 1000,
    windSpeedMs: Math.round(speed * 10) / 10,
  };
}
