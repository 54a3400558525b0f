"use client";
import { createContext, useContext } from "react";
import type { Locale, MessageKey, Messages } from "@/lib/i18n/messages";

type I18n = { locale: Locale; t: (key: MessageKey) => string };
const I18nContext = createContext<I18n | null>(null);

/** Makes the server-chosen locale's messages available to client components. */
export function I18nProvider({ locale, messages, children }: { locale: Locale; messages: Messages; children: React.ReactNode }) {
  return <I18nContext.Provider value={{ locale, t: (k) => messages[k] }}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}
