import { cookies, headers } from "next/headers";
import { pickLocale, LOCALE_COOKIE } from "@/lib/i18n/locale";
import { cityMessages } from "@/lib/city/city-messages";

/**
 * The request's locale (cookie, then Accept-Language) and its messages, the city's own name
 * in the header's subtitle (an imported city is not Yantai).
 */
export async function requestLocale() {
  const [c, h] = await Promise.all([cookies(), headers()]);
  const locale = pickLocale(c.get(LOCALE_COOKIE)?.value, h.get("accept-language"));
  return { locale, messages: cityMessages(locale) };
}
