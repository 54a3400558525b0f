import { describe, expect, it } from "vitest";
import { errorBody, splitFormat, toXml, toXmlObject } from "./open311-format";
import { listServices, serviceDefinition } from "./open311";

describe("Open311 encodings", () => {
  it("encodes a list as the spec's XML (one element per record, empty elements for null) and escapes text", () => {
    expect(toXml("service_requests", "request", [{ service_request_id: "638344", token: null, service_notice: "Fix <soon> & \"well\"" }])).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<service_requests><request><service_request_id>638344</service_request_id><token/><service_notice>Fix &lt;soon&gt; &amp; &quot;well&quot;</service_notice></request></service_requests>\n',
    );
  });

  it("encodes errors as the spec's body in both formats", () => {
    expect(JSON.parse(errorBody("json", 400, ["service_code: is required"]))).toEqual([{ code: 400, description: "service_code: is required" }]);
    expect(errorBody("xml", 404, ["service_request_id x not found"])).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>404</code><description>service_request_id x not found</description></error></errors>\n',
    );
  });

  it("lists the services with the spec's members and nests attributes and values in a service definition", () => {
    const services = listServices("en");
    expect(services.find((s) => s.service_code === "pothole")).toEqual({ service_code: "pothole", service_name: "Pothole", description: expect.any(String), metadata: false, type: "realtime", keywords: "road, pavement", group: "roads" });
    expect(listServices("zh-CN").find((s) => s.service_code === "flooding")).toMatchObject({ service_name: "积水内涝", metadata: true });
    const xml = toXmlObject("service_definition", serviceDefinition("flooding", "en"));
    expect(xml).toContain("<service_definition><service_code>flooding</service_code><attributes><attribute><variable>true</variable><code>depth</code><datatype>singlevaluelist</datatype><required>false</required><datatype_description/><order>1</order><description>Water depth</description><values><value><key>ankle</key><name>Ankle deep</name></value>");
    expect(() => serviceDefinition("ufo", "en")).toThrow(/service_code ufo not found/);
  });

  it("splits a resource from its format", () => {
    expect(splitFormat("requests.json")).toEqual(["requests", "json"]);
    expect(splitFormat("a.b.xml")).toEqual(["a.b", "xml"]);
    expect(splitFormat("requests.csv")).toBeNull();
  });
});
