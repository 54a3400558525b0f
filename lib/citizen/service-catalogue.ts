// The departments' catalogue of citizen report categories (Open311 services): each service
// code routes to the department that owns the problem (department ids of lib/city/datasets.ts).
import type { DepartmentId } from "../city/types";

export type ServiceAttribute = {
  code: string;
  datatype: "singlevaluelist" | "string" | "number";
  required: boolean;
  descriptionZh: string;
  descriptionEn: string;
  values?: { key: string; nameZh: string; nameEn: string }[];
};

export type Service = {
  code: string;
  department: DepartmentId;
  group: string;
  nameZh: string;
  nameEn: string;
  descriptionZh: string;
  descriptionEn: string;
  keywords: string[];
  /** A safety category: once confirmed it belongs on the public-safety layer. */
  safety: boolean;
  attributes: ServiceAttribute[];
};

export const SERVICES: readonly Service[] = [
  { code: "pothole", department: "traffic", group: "roads", nameZh: "路面坑洼", nameEn: "Pothole", descriptionZh: "道路或人行道路面破损、坑洼", descriptionEn: "A hole or broken surface on a road or pavement", keywords: ["road", "pavement"], safety: false, attributes: [] },
  { code: "illegal_parking", department: "traffic", group: "roads", nameZh: "违章停车", nameEn: "Illegal parking", descriptionZh: "占用车道、人行道或消防通道的车辆", descriptionEn: "A vehicle blocking a lane, pavement or fire lane", keywords: ["parking", "vehicle"], safety: false, attributes: [] },
  { code: "traffic_signal", department: "traffic", group: "roads", nameZh: "信号灯故障", nameEn: "Traffic signal fault", descriptionZh: "交通信号灯不亮或异常", descriptionEn: "A traffic light that is dark or faulty", keywords: ["signal", "light"], safety: true, attributes: [] },
  { code: "streetlight", department: "energy", group: "power", nameZh: "路灯损坏", nameEn: "Broken streetlight", descriptionZh: "路灯不亮、闪烁或损坏", descriptionEn: "A streetlight that is out, flickering or damaged", keywords: ["light", "lamp"], safety: false, attributes: [] },
  { code: "power_outage", department: "energy", group: "power", nameZh: "停电", nameEn: "Power outage", descriptionZh: "片区停电或电线外露", descriptionEn: "No power in an area, or exposed cables", keywords: ["power", "cable"], safety: true, attributes: [] },
  {
    code: "flooding", department: "emergency", group: "hazards", nameZh: "积水内涝", nameEn: "Flooding", descriptionZh: "道路积水或内涝", descriptionEn: "Standing water or a flooded street", keywords: ["water", "rain"], safety: true,
    attributes: [
      { code: "depth", datatype: "singlevaluelist", required: false, descriptionZh: "水深", descriptionEn: "Water depth", values: [
        { key: "ankle", nameZh: "没过脚踝", nameEn: "Ankle deep" },
        { key: "knee", nameZh: "没过膝盖", nameEn: "Knee deep" },
        { key: "waist", nameZh: "齐腰或更深", nameEn: "Waist deep or more" },
      ] },
    ],
  },
  { code: "fire_hazard", department: "emergency", group: "hazards", nameZh: "火灾隐患", nameEn: "Fire hazard", descriptionZh: "堵塞的消防通道、违规用火或易燃物堆放", descriptionEn: "A blocked fire exit, open fire or stored flammables", keywords: ["fire", "exit"], safety: true, attributes: [] },
  { code: "noise", department: "safety", group: "nuisance", nameZh: "噪音扰民", nameEn: "Noise", descriptionZh: "夜间施工、商铺或聚会噪音", descriptionEn: "Night-time building work, shops or parties", keywords: ["noise", "night"], safety: false, attributes: [] },
  { code: "public_order", department: "safety", group: "nuisance", nameZh: "治安隐患", nameEn: "Public order", descriptionZh: "需要警方关注的治安问题", descriptionEn: "A public-order problem for the police", keywords: ["police"], safety: true, attributes: [] },
  { code: "litter", department: "citizen", group: "environment", nameZh: "垃圾堆放", nameEn: "Litter and dumping", descriptionZh: "垃圾堆积、乱倒垃圾", descriptionEn: "Piled-up rubbish or fly-tipping", keywords: ["rubbish", "waste"], safety: false, attributes: [] },
  { code: "other", department: "citizen", group: "other", nameZh: "其他问题", nameEn: "Other", descriptionZh: "其他城市管理问题，由12345热线分派", descriptionEn: "Anything else; the 12345 centre routes it", keywords: [], safety: false, attributes: [] },
];

export function serviceByCode(code: string): Service | undefined {
  return SERVICES.find((s) => s.code === code);
}

/** The categories the citizen-reports map layer draws once confirmed: every one that is not a safety category. */
export const CITIZEN_LAYER_SERVICES: readonly Service[] = SERVICES.filter((s) => !s.safety);
