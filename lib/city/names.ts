/**
 * Names used by the generator: districts, road-name stems, parks, islands and rivers of a
 * Yantai-like city, each in Chinese and English (pinyin).
 */
import type { DistrictId, GeneratedDistrictId, Named } from "./types";

/** A district's fixed identity; its shape is generated. */
export interface DistrictDef extends Named {
  id: GeneratedDistrictId;
  /** Short form for station names, e.g. "芝罘" / "Zhifu". */
  shortZh: string;
  shortEn: string;
  /** How urban the district is (0..1): street density, traffic and load scale with it. */
  urbanity: number;
  /** Share of industrial feeders. */
  industry: number;
}

/** Districts from west to east; Fushan lies inland south of the Development Zone and Zhifu. */
export const DISTRICT_DEFS: readonly DistrictDef[] = [
  { id: "penglai", nameZh: "蓬莱区", nameEn: "Penglai District", shortZh: "蓬莱", shortEn: "Penglai", urbanity: 0.45, industry: 0.2 },
  { id: "devzone", nameZh: "开发区", nameEn: "Development Zone", shortZh: "开发区", shortEn: "Development Zone", urbanity: 0.8, industry: 0.55 },
  { id: "fushan", nameZh: "福山区", nameEn: "Fushan District", shortZh: "福山", shortEn: "Fushan", urbanity: 0.5, industry: 0.3 },
  { id: "zhifu", nameZh: "芝罘区", nameEn: "Zhifu District", shortZh: "芝罘", shortEn: "Zhifu", urbanity: 1, industry: 0.05 },
  { id: "laishan", nameZh: "莱山区", nameEn: "Laishan District", shortZh: "莱山", shortEn: "Laishan", urbanity: 0.85, industry: 0.1 },
  { id: "muping", nameZh: "牟平区", nameEn: "Muping District", shortZh: "牟平", shortEn: "Muping", urbanity: 0.45, industry: 0.25 },
];

/**
 * Looks up a district definition. A district of an imported city (any other id) gets a
 * generic profile (fairly urban, some industry) under its own id; its names are in the model.
 */
export function districtDef(id: DistrictId): DistrictDef {
  const def = DISTRICT_DEFS.find((d) => d.id === id);
  if (def) return def;
  if (/^(osm|grid)-/.test(id)) {
    return { id: id as GeneratedDistrictId, nameZh: id, nameEn: id, shortZh: id, shortEn: id, urbanity: 0.75, industry: 0.2 };
  }
  throw new Error(`unknown district ${id}`);
}

/**
 * Road-name stems [Chinese, pinyin]. The generator adds 路/Road, 大街/Avenue or 街/Street,
 * and ordinals (二路, 2nd Road) when it runs out.
 */
export const ROAD_STEMS: readonly (readonly [string, string])[] = [
  ["胜利", "Shengli"], ["解放", "Jiefang"], ["青年", "Qingnian"], ["只楚", "Zhichu"], ["红旗", "Hongqi"],
  ["观海", "Guanhai"], ["港城", "Gangcheng"], ["迎春", "Yingchun"], ["滨海", "Binhai"], ["环山", "Huanshan"],
  ["南大", "Nanda"], ["北马", "Beima"], ["二马", "Erma"], ["三马", "Sanma"], ["海港", "Haigang"],
  ["幸福", "Xingfu"], ["建设", "Jianshe"], ["新华", "Xinhua"], ["文化", "Wenhua"], ["大海阳", "Dahaiyang"],
  ["毓璜顶", "Yuhuangding"], ["上夼", "Shangkuang"], ["西南河", "Xinanhe"], ["芝罘屯", "Zhifutun"], ["世回尧", "Shihuiyao"],
  ["长江", "Changjiang"], ["黄河", "Huanghe"], ["珠江", "Zhujiang"], ["淮河", "Huaihe"], ["汉江", "Hanjiang"],
  ["松花江", "Songhuajiang"], ["黑龙江", "Heilongjiang"], ["金沙江", "Jinshajiang"], ["嫩江", "Nenjiang"], ["辽河", "Liaohe"],
  ["泰山", "Taishan"], ["衡山", "Hengshan"], ["华山", "Huashan"], ["嵩山", "Songshan"], ["天山", "Tianshan"],
  ["昆仑山", "Kunlunshan"], ["峨眉山", "Emeishan"], ["太行山", "Taihangshan"], ["祁连山", "Qilianshan"], ["五指山", "Wuzhishan"],
  ["莱山", "Laishan"], ["凤凰", "Fenghuang"], ["银海", "Yinhai"], ["金海", "Jinhai"], ["海韵", "Haiyun"],
  ["学府", "Xuefu"], ["兴业", "Xingye"], ["通世", "Tongshi"], ["山海", "Shanhai"], ["云峰", "Yunfeng"],
  ["盛泉", "Shengquan"], ["福海", "Fuhai"], ["福新", "Fuxin"], ["永达", "Yongda"], ["河滨", "Hebin"],
  ["鲁东", "Ludong"], ["蓬莱", "Penglai"], ["黄海", "Huanghai"], ["渤海", "Bohai"], ["宁海", "Ninghai"],
  ["金山", "Jinshan"], ["养马", "Yangma"], ["昆嵛", "Kunyu"], ["通海", "Tonghai"], ["钟楼", "Zhonglou"],
  ["振华", "Zhenhua"], ["蓬达", "Pengda"], ["登州", "Dengzhou"], ["海市", "Haishi"], ["仙境", "Xianjing"],
  ["八角", "Bajiao"], ["古现", "Guxian"], ["大季家", "Dajijia"], ["潮水", "Chaoshui"], ["门楼", "Menlou"],
  ["清洋", "Qingyang"], ["奇山", "Qishan"], ["黄务", "Huangwu"], ["初家", "Chujia"], ["解甲庄", "Jiejiazhuang"],
  ["文明", "Wenming"], ["德润", "Derun"], ["康和", "Kanghe"], ["瑞达", "Ruida"], ["宏源", "Hongyuan"],
  ["东方", "Dongfang"], ["朝阳", "Chaoyang"], ["光明", "Guangming"], ["和平", "Heping"], ["团结", "Tuanjie"],
  ["友谊", "Youyi"], ["春晖", "Chunhui"], ["秋实", "Qiushi"], ["丽景", "Lijing"], ["锦华", "Jinhua"],
  ["安德", "Ande"], ["海德", "Haide"], ["星海", "Xinghai"], ["海天", "Haitian"], ["海泉", "Haiquan"],
  ["桃园", "Taoyuan"], ["梨园", "Liyuan"], ["苹果", "Pingguo"], ["葡萄", "Putao"], ["樱桃", "Yingtao"],
  ["富贵", "Fugui"], ["龙泉", "Longquan"], ["龙湖", "Longhu"], ["龙门", "Longmen"], ["凤鸣", "Fengming"],
  ["阳光", "Yangguang"], ["云台", "Yuntai"], ["乐天", "Letian"], ["新城", "Xincheng"], ["中心", "Zhongxin"],
  ["经纬", "Jingwei"], ["科技", "Keji"], ["创业", "Chuangye"], ["新桥", "Xinqiao"], ["明珠", "Mingzhu"],
];

/** English ordinal words for road-name suffixes such as "2nd Road". */
export function ordinalEn(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  switch (n % 10) {
    case 1: return `${n}st`;
    case 2: return `${n}nd`;
    case 3: return `${n}rd`;
    default: return `${n}th`;
  }
}

const ZH_DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/** Chinese numerals for 1..99 (as used in names like 二路, 十二中). */
export function numeralZh(n: number): string {
  if (n <= 10) return ZH_DIGITS[n];
  if (n < 20) return "十" + ZH_DIGITS[n - 10];
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  if (n < 100) return ZH_DIGITS[tens] + "十" + (ones ? ZH_DIGITS[ones] : "");
  return String(n);
}

/** Park names per district, used in order before generic names. */
export const PARK_NAMES: Readonly<Record<DistrictId, readonly (readonly [string, string])[]>> = {
  zhifu: [["毓璜顶公园", "Yuhuangding Park"], ["南山公园", "Nanshan Park"], ["烟台山公园", "Yantaishan Park"]],
  laishan: [["凤凰山公园", "Fenghuangshan Park"], ["塔山风景区", "Tashan Scenic Area"], ["岱王山公园", "Daiwangshan Park"]],
  fushan: [["内夹河湿地公园", "Neijiahe Wetland Park"], ["福山体育公园", "Fushan Sports Park"]],
  devzone: [["金沙滩公园", "Golden Beach Park"], ["八角湾湿地公园", "Bajiao Bay Wetland Park"]],
  muping: [["昆嵛山森林公园", "Kunyushan Forest Park"], ["牟平体育公园", "Muping Sports Park"]],
  penglai: [["艾山公园", "Aishan Park"], ["蓬莱阁景区", "Penglai Pavilion Scenic Area"]],
};

/** The rivers: the larger one separates the Development Zone from Zhifu, the smaller Laishan from Muping. */
export const RIVER_NAMES = [
  { id: "river-jiahe", nameZh: "夹河", nameEn: "Jia River" },
  { id: "river-xinan", nameZh: "辛安河", nameEn: "Xin'an River" },
] as const;

/** Islands off the coast. */
export const ISLAND_NAMES = [
  { id: "island-kongtong", nameZh: "崆峒岛", nameEn: "Kongtong Island" },
  { id: "island-zhifu", nameZh: "芝罘岛", nameEn: "Zhifu Island" },
  { id: "island-yangma", nameZh: "养马岛", nameEn: "Yangma Island" },
] as const;

/** The sea north of the city. */
export const SEA_NAME = { nameZh: "黄海", nameEn: "Yellow Sea" } as const;
