import { cookies, headers } from "next/headers";
import { pickLocale, LOCALE_COOKIE } from "@/lib/i18n/locale";
import { MESSAGES } from "@/lib/i18n/messages";

/** The request's locale and messages (cookie, then Accept-Language). */
export async function requestLocale() {
  const [c, h] = await Promise.all([cookies(), headers()]);
  const locale = pickLocale(c.get(LOCALE_COOKIE)?.value, h.get("accept-language"));
  return { locale, messages: MESSAGES[locale] };
}
