/**
 * The departments of the city and the datasets they own, with the schema of each dataset's
 * reading values. Physical minimum and maximum of every number live here once; lib/sim's
 * PHYSICAL_RANGES and ingest's range checks derive from them.
 */
import type { Dataset, DatasetId, Department, DepartmentId } from "./types";

/** The departments. */
export const DEPARTMENTS: readonly Department[] = [
  { id: "traffic", nameZh: "交通运输局", nameEn: "Transport Bureau" },
  { id: "energy", nameZh: "国网烟台供电公司", nameEn: "State Grid Yantai Power Supply Company" },
  { id: "safety", nameZh: "公安局", nameEn: "Public Security Bureau" },
  { id: "emergency", nameZh: "应急管理局", nameEn: "Emergency Management Bureau" },
  { id: "citizen", nameZh: "12345 市民服务热线", nameEn: "12345 Citizen Service Centre" },
];

/** Incident types of `safety.incidents`. */
export const INCIDENT_TYPES = ["accident", "fire", "crime", "hazard"] as const;
/** Incident statuses of `safety.incidents`. */
export const INCIDENT_STATUSES = ["reported", "responding", "resolved"] as const;
/** Camera alerts of `safety.cameras`. */
export const CAMERA_ALERTS = ["none", "congestion", "accident", "fire", "crowd"] as const;

/** The datasets. */
export const DATASETS: readonly Dataset[] = [
  {
    id: "traffic.flow",
    departmentId: "traffic",
    domain: "traffic",
    nameZh: "道路交通流量",
    nameEn: "Road traffic flow",
    sensitivity: "public",
    schema: {
      fields: {
        segmentId: { type: "string", required: true, descriptionZh: "检测器所在路段", descriptionEn: "Road segment of the detector" },
        speedKmh: { type: "number", required: true, unit: "km/h", min: 0, max: 130, descriptionZh: "平均车速（不超过自由流速度）", descriptionEn: "Mean speed (never above free-flow speed)" },
        flowVehH: { type: "number", required: false, unit: "veh/h", min: 0, max: 15000, integer: true, descriptionZh: "双向小时流量（不超过通行能力的1.2倍）", descriptionEn: "Vehicles per hour, both directions (at most 1.2 × capacity)" },
        occupancy: { type: "number", required: false, unit: "1", min: 0, max: 1, descriptionZh: "时间占有率", descriptionEn: "Share of time the detector is occupied" },
        recordedAt: { type: "string", required: false, format: "date-time", descriptionZh: "回放读数的原始记录时间（observedAt 为回放时间）", descriptionEn: "When a replayed reading was recorded (readings:replay); observedAt is when it was played" },
      },
    },
  },
  {
    id: "energy.load",
    departmentId: "energy",
    domain: "energy",
    nameZh: "电网负荷与新能源出力",
    nameEn: "Grid load and renewable production",
    sensitivity: "internal",
    schema: {
      fields: {
        meter: { type: "string", required: true, enum: ["feeder", "production"], descriptionZh: "表计类型", descriptionEn: "Meter type" },
        loadMw: { type: "number", required: false, unit: "MW", min: 0, max: 40, descriptionZh: "馈线负荷（不超过容量的1.1倍）", descriptionEn: "Feeder load (at most 1.1 × feeder capacity)" },
        utilisation: { type: "number", required: false, unit: "1", min: 0, max: 1.1, descriptionZh: "负载率", descriptionEn: "Load as a share of capacity" },
        voltageKv: { type: "number", required: false, unit: "kV", min: 9, max: 11.5, descriptionZh: "馈线首端电压", descriptionEn: "Voltage at the feeder head" },
        source: { type: "string", required: false, enum: ["solar", "wind", "hydro"], descriptionZh: "能源类型", descriptionEn: "Renewable source" },
        productionMw: { type: "number", required: false, unit: "MW", min: 0, max: 1000, descriptionZh: "新能源出力（不超过装机容量）", descriptionEn: "Production (at most installed capacity)" },
        capacityFactor: { type: "number", required: false, unit: "1", min: 0, max: 1, descriptionZh: "出力系数", descriptionEn: "Production as a share of capacity" },
        irradianceWm2: { type: "number", required: false, unit: "W/m2", min: 0, max: 1400, descriptionZh: "辐照度", descriptionEn: "Solar irradiance" },
        windSpeedMs: { type: "number", required: false, unit: "m/s", min: 0, max: 60, descriptionZh: "轮毂高度风速", descriptionEn: "Wind speed at hub height" },
      },
    },
  },
  {
    id: "safety.incidents",
    departmentId: "safety",
    domain: "safety",
    nameZh: "公共安全事件",
    nameEn: "Public safety incidents",
    sensitivity: "restricted",
    schema: {
      fields: {
        incidentId: { type: "string", required: true, descriptionZh: "事件编号", descriptionEn: "Incident id" },
        type: { type: "string", required: true, enum: [...INCIDENT_TYPES], descriptionZh: "事件类型", descriptionEn: "Incident type" },
        severity: { type: "number", required: true, min: 1, max: 3, integer: true, descriptionZh: "严重程度（1–3）", descriptionEn: "Severity (1-3)" },
        status: { type: "string", required: true, enum: [...INCIDENT_STATUSES], descriptionZh: "处置状态", descriptionEn: "Status" },
        startedAt: { type: "string", required: true, format: "date-time", descriptionZh: "发生时间", descriptionEn: "Start time" },
        endedAt: { type: "string", required: true, format: "date-time", descriptionZh: "结束（或预计结束）时间", descriptionEn: "End time (expected while active)" },
        segmentId: { type: "string", required: true, descriptionZh: "所在路段", descriptionEn: "Road segment" },
        lanesBlocked: { type: "number", required: true, min: 0, max: 6, integer: true, descriptionZh: "占用车道数", descriptionEn: "Lanes blocked" },
      },
    },
  },
  {
    id: "safety.cameras",
    departmentId: "safety",
    domain: "safety",
    nameZh: "视频监控",
    nameEn: "Road cameras",
    sensitivity: "confidential",
    schema: {
      fields: {
        online: { type: "boolean", required: true, descriptionZh: "在线", descriptionEn: "Camera online" },
        vehiclesPerMin: { type: "number", required: true, unit: "veh/min", min: 0, max: 300, integer: true, descriptionZh: "每分钟车辆数", descriptionEn: "Vehicles counted per minute" },
        pedestriansPerMin: { type: "number", required: true, unit: "1/min", min: 0, max: 500, integer: true, descriptionZh: "每分钟行人数", descriptionEn: "Pedestrians counted per minute" },
        alert: { type: "string", required: true, enum: [...CAMERA_ALERTS], descriptionZh: "告警", descriptionEn: "Alert raised by video analytics" },
      },
    },
  },
  {
    id: "reports.citizen",
    departmentId: "citizen",
    domain: "reports",
    nameZh: "市民诉求",
    nameEn: "Citizen reports",
    sensitivity: "restricted",
    schema: {
      fields: {
        serviceCode: { type: "string", required: true, descriptionZh: "服务类型代码（Open311 service_code）", descriptionEn: "Open311 service_code" },
        description: { type: "string", required: true, descriptionZh: "问题描述", descriptionEn: "Description" },
        status: { type: "string", required: true, enum: ["open", "closed"], descriptionZh: "状态", descriptionEn: "Open311 status" },
        mediaHash: { type: "string", required: false, descriptionZh: "附件的SHA-256", descriptionEn: "SHA-256 of the attached media" },
        agencyResponsible: { type: "string", required: false, descriptionZh: "责任部门", descriptionEn: "Responsible agency" },
      },
    },
  },
];

/** Looks up a department by id. */
export function departmentById(id: DepartmentId): Department {
  const d = DEPARTMENTS.find((x) => x.id === id);
  if (!d) throw new Error(`unknown department ${id}`);
  return d;
}

/** Looks up a dataset by id. */
export function datasetById(id: DatasetId): Dataset {
  const d = DATASETS.find((x) => x.id === id);
  if (!d) throw new Error(`unknown dataset ${id}`);
  return d;
}
