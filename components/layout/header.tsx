"use client";
import { IntentLink } from "./intent-link";
import { useEffect, useState } from "react";
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
  // On a phone the links, data access and the user menu fold into one menu under a button
  // (globals.css: on wider screens the menu's box is `display: contents` and the button hidden).
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const link = (href: string, label: string) => (
    <IntentLink href={href} className={path === href ? "nav-link active" : "nav-link"}>
      {label}
    </IntentLink>
  );
  return (
    <header className={open ? "app-header open" : "app-header"}>
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◎
        </span>
        <span className="brand-title" data-testid="app-title">
          {t("app.title")}
        </span>
        <span className="brand-subtitle">{t("app.subtitle")}</span>
      </div>
      <button className="nav-toggle" aria-expanded={open} aria-controls="header-menu" aria-label={t("nav.menu")} onClick={() => setOpen((o) => !o)} data-testid="nav-toggle">
        {open ? "✕" : "☰"}
      </button>
      {/* A link chosen in the open menu closes it, also when it leads to the page already shown. */}
      <div className="header-menu" id="header-menu" onClick={(e) => (e.target as HTMLElement).closest("a") && setOpen(false)}>
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
      </div>
      <LanguageSwitch />
    </header>
  );
}
