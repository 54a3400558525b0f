import { describe, expect, it } from "vitest";
import { parseColumnSpec, parseRecordedTime, parseReplayCsv, ReplayInputError, splitCsvLine } from "./replay-csv";

const COLUMNS = "time=ts,sensor=detector,lat=latitude,lon=longitude,speed=kmh";

describe("readings:replay CSV", () => {
  it("reads the column spec and names what is wrong with a bad one", () => {
    expect(parseColumnSpec(COLUMNS + ",flow=vph")).toEqual({ time: "ts", sensor: "detector", lat: "latitude", lon: "longitude", speed: "kmh", flow: "vph" });
    expect(() => parseColumnSpec("time=ts,sensor=id")).toThrow("--columns: missing lat, lon, speed (required: time, sensor, lat, lon, speed)");
    expect(() => parseColumnSpec(COLUMNS + ",colour=c")).toThrow('--columns: unknown field "colour"');
    expect(() => parseColumnSpec(COLUMNS + ",time=t2")).toThrow("--columns: field time given twice");
    expect(() => parseColumnSpec("time,sensor=a,lat=b,lon=c,speed=d")).toThrow("--columns: field time names no column");
  });

  it("splits RFC 4180 lines within a line", () => {
    expect(splitCsvLine('a,"b,c",,"d ""e"""')).toEqual(["a", "b,c", "", 'd "e"']);
    expect(splitCsvLine("a,")).toEqual(["a", ""]);
    expect(splitCsvLine('a,"open')).toBeNull();
    expect(splitCsvLine('"a"b,c')).toBeNull();
  });

  it("takes ISO 8601 with an offset and epoch seconds or milliseconds, nothing ambiguous", () => {
    expect(parseRecordedTime("2026-05-01T08:00:00+08:00")).toBe(Date.parse("2026-05-01T00:00:00Z"));
    expect(parseRecordedTime("2026-05-01 00:00:30Z")).toBe(Date.parse("2026-05-01T00:00:30Z"));
    expect(parseRecordedTime("1777593600")).toBe(1777593600_000);
    expect(parseRecordedTime("1777593600123")).toBe(1777593600123);
    expect(parseRecordedTime("2026-05-01T08:00:00")).toMatch(/not ISO 8601 with a UTC offset/);
    expect(parseRecordedTime("2026-13-45T08:00:00Z")).toMatch(/not a valid instant/);
  });

  it("returns the good rows in time order and every bad row with its line number and reason", () => {
    const text = [
      "detector,ts,latitude,longitude,kmh,extra",
      "S2,2026-05-01T00:01:00Z,37.5,121.4,42.5,x",
      "S1,2026-05-01T00:00:00Z,37.5,121.4,40,y",
      "",
      "S1,yesterday,37.5,121.4,40,z",
      "S1,2026-05-01T00:00:00Z,37.5,121.4,41,dup",
      "S 3,2026-05-01T00:00:00Z,91,121.4,fast,w",
      "S4,2026-05-01T00:00:00Z,37.5,121.4",
      'S5,"2026-05-01T00:00:00Z,37.5,121.4,40,q',
    ].join("\r\n");
    const { rows, bad } = parseReplayCsv(text, parseColumnSpec(COLUMNS));
    expect(rows).toEqual([
      { line: 3, sensor: "S1", observedAt: "2026-05-01T00:00:00.000Z", location: [121.4, 37.5], speedKmh: 40 },
      { line: 2, sensor: "S2", observedAt: "2026-05-01T00:01:00.000Z", location: [121.4, 37.5], speedKmh: 42.5 },
    ]);
    expect(bad).toEqual([
      { line: 5, reason: expect.stringMatching(/^time "yesterday" is not ISO 8601/) },
      { line: 6, reason: "sensor S1 already has a reading at this instant (line 3)" },
      { line: 7, reason: expect.stringMatching(/^sensor "S 3" must be .*; lat 91 is outside -90…90; speed "fast" is not a number$/) },
      { line: 8, reason: "4 fields, the header has 6" },
      { line: 9, reason: "a quoted field does not close on its line" },
    ]);
  });

  it("takes optional flow, occupancy and segment columns, checking their values", () => {
    const spec = parseColumnSpec(COLUMNS + ",flow=vph,occupancy=occ,segment=seg");
    const { rows, bad } = parseReplayCsv("ts,detector,latitude,longitude,kmh,vph,occ,seg\n1777593600,A,37,121,30,600,0.2,s-1\n1777593601,A,37,121,30,,,\n1777593602,A,37,121,30,1,1.5,\n", spec);
    expect(rows.map((r) => [r.line, r.flowVehH, r.occupancy, r.segment])).toEqual([[2, 600, 0.2, "s-1"], [3, undefined, undefined, undefined]]);
    expect(bad).toEqual([{ line: 4, reason: "occupancy 1.5 is outside 0…1" }]);
  });

  it("refuses a file whose header lacks a mapped column, or has no header", () => {
    expect(() => parseReplayCsv("ts,detector\n", parseColumnSpec(COLUMNS))).toThrow(ReplayInputError);
    expect(() => parseReplayCsv("ts,detector\n", parseColumnSpec(COLUMNS))).toThrow('column "latitude" (for lat) is not in the header (ts, detector)');
    expect(() => parseReplayCsv("", parseColumnSpec(COLUMNS))).toThrow("the file has no header line naming its columns");
  });
});
