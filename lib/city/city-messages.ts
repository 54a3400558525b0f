import { MESSAGES, type Locale, type Messages } from "../i18n/messages";
import { getCity } from "./current-city";

const cache = new Map<Locale, Messages>();

/** A locale's messages with the running city's name put in (the header's subtitle names it). */
export function cityMessages(locale: Locale): Messages {
  let m = cache.get(locale);
  if (!m) {
    const city = getCity();
    const name = locale === "zh-CN" ? city.nameZh : city.nameEn;
    m = { ...MESSAGES[locale], "app.subtitle": MESSAGES[locale]["app.subtitle"].replace("{city}", name) };
    cache.set(locale, m);
  }
  return m;
}
