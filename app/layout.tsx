import type { Metadata } from "next";
import "maplibre-gl/dist/maplibre-gl.css";
import "./globals.css";
import { requestLocale } from "./locale";
import { I18nProvider } from "@/components/i18n/i18n-provider";
import { QueryProvider } from "@/components/query-provider";
import { Header } from "@/components/layout/header";

export async function generateMetadata(): Promise<Metadata> {
  const { messages } = await requestLocale();
  return { title: `${messages["app.title"]} · ${messages["app.subtitle"]}` };
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const { locale, messages } = await requestLocale();
  return (
    <html lang={locale}>
      <body>
        <I18nProvider locale={locale} messages={messages}>
          <QueryProvider>
            <Header />
            <main className="app-main">{children}</main>
          </QueryProvider>
        </I18nProvider>
      </body>
    </html>
  );
}
