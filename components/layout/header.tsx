"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useI18n } from "../i18n/i18n-provider";
import { LanguageSwitch } from "./language-switch";
import { AdminLinks, UserMenu } from "../auth/user-menu";
import { DataAccessMenu } from "../grants/data-access-menu";
import { useMe } from "../auth/use-me";

export function Header() {
  const { t } = useI18n();
  const path = usePathname();
  const signedIn = !!useMe().data?.user;
  const link = (href: string, label: string) => (
    <Link href={href} className={path === href ? "nav-link active" : "nav-link"}>
      {label}
    </Link>
  );
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◎
        </span>
        <span className="brand-title" data-testid="app-title">
          {t("app.title")}
        </span>
        <span className="brand-subtitle">{t("app.subtitle")}</span>
      </div>
      <nav className="nav">
        {link("/", t("nav.map"))}
        {link("/api-docs", t("nav.api"))}
        {link("/verify", t("nav.verify"))}
        {link("/report", t("nav.report"))}
        {signedIn && link("/triage", t("nav.triage"))}
        {link("/audit", t("nav.audit"))}
        <AdminLinks link={link} />
      </nav>
      <DataAccessMenu />
      <UserMenu />
      <LanguageSwitch />
    </header>
  );
}
