/**
 * Types of the device simulator.
 */
import type { CityModel, DatasetId, LonLat } from "../city";

/** A value in a reading: numbers, strings (enums, ids, ISO instants) and booleans. */
export type ReadingValue = number | string | boolean;

/** One reading as a device would sign and send it. */
export interface SimReading {
  /** Device id, e.g. "trf-000123". */
  device: string;
  dataset: DatasetId;
  /** ISO 8601 instant (UTC) the value was observed. */
  observedAt: string;
  location: LonLat;
  values: Record<string, ReadingValue>;
}

/** Incident types. */
export type IncidentType = "accident" | "fire" | "crime" | "hazard";

/** Incident statuses: reported for the first minutes, responding until it ends, then resolved for a while. */
export type IncidentStatus = "reported" | "responding" | "resolved";

/** A public-safety incident on a road. */
export interface Incident {
  /** Stable id derived from the time bucket it started in, e.g. "inc-2891234-0-1". */
  id: string;
  type: IncidentType;
  severity: 1 | 2 | 3;
  status: IncidentStatus;
  segmentId: string;
  location: LonLat;
  startedAt: string;
  /** End time; while active this is the expected end. */
  endedAt: string;
  lanesBlocked: number;
  /** The dispatch terminal that reports it (nearest police station), if the city has one. */
  reporterDeviceId?: string;
}

/** Options of `createSimulator`. */
export interface SimulatorOptions {
  city: CityModel;
  /** Seed of the readings (default: the city's seed). */
  seed?: string | number;
  /** Whether incidents happen (default true); false gives the undisturbed baseline. */
  incidents?: boolean;
}

/** Which readings to produce. */
export interface ReadingsFilter {
  datasets?: readonly DatasetId[];
  /** Only these devices' readings (an incident's report is its reporting terminal's). */
  devices?: (id: string) => boolean;
}

/** A simulator of every device of a city. */
export interface Simulator {
  readonly city: CityModel;
  readonly seed: string;
  /**
   * Readings of every device at `time`, then one reading per incident visible at `time`.
   * Pure: the same city, seed and time give the same readings.
   */
  readingsAt(time: Date, filter?: ReadingsFilter): SimReading[];
  /** Incidents visible at `time` (active, or resolved within the last 15 minutes), sorted by id. */
  incidentsAt(time: Date): Incident[];
  /**
   * Stateful stream: the periodic readings at `now`, plus incident readings only for incidents
   * that are new or changed status since the previous tick.
   */
  tick(now: Date, filter?: ReadingsFilter): SimReading[];
}
