// CITY_FILE: the console runs on an imported model, and refuses one it cannot use in one line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importOsmFile } from "../city/osm-import";
import { loadConfig } from "../config";
import { loadCityFile } from "../city/current-city";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "city-file-"));
const good = path.join(dir, "city.json");

describe("CITY_FILE", () => {
  beforeAll(async () => {
    const { model } = await importOsmFile(path.join(import.meta.dirname, "../city/osm-import/fixtures/haiyang-bay.osm.pbf"));
    fs.writeFileSync(good, JSON.stringify(model));
  });

  it("loads an imported model", () => {
    const city = loadCityFile(good);
    expect(city.nameEn).toBe("Haiyang Bay");
    expect(city.source?.licence).toBe("ODbL-1.0");
  });

  it("refuses a missing file at configuration, before anything starts", () => {
    expect(() => loadConfig({ CITY_FILE: path.join(dir, "none.json") } as unknown as NodeJS.ProcessEnv)).toThrow(/^environment variable CITY_FILE .*none\.json cannot be read \(ENOENT\); make one with npm run city:import$/);
    expect(loadConfig({ CITY_FILE: good } as unknown as NodeJS.ProcessEnv).CITY_FILE).toBe(good);
  });

  it("refuses a file that is not a city model, naming the first problem", () => {
    const write = (name: string, text: string) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    };
    expect(() => loadCityFile(write("osm.json", "<osm/>"))).toThrow(/is not a city model \(not JSON/);
    expect(() => loadCityFile(write("v2.json", JSON.stringify({ schemaVersion: 2 })))).toThrow(/is not a city model \(schemaVersion: /);
    const city = JSON.parse(fs.readFileSync(good, "utf8"));
    city.network.segments[3].from = "n-nowhere";
    expect(() => loadCityFile(write("dangling.json", JSON.stringify(city)))).toThrow(/network\.segments\.3 \(s-\d+-\d+\) joins a node that is not in network\.nodes/);
    const dup = JSON.parse(fs.readFileSync(good, "utf8"));
    dup.devices.push(dup.devices[0]);
    expect(() => loadCityFile(write("dup.json", JSON.stringify(dup)))).toThrow(/device id \S+ appears twice/);
  });
});
