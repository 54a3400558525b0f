"use client";
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson, HttpError } from "@/components/http/fetch-json";
import { useMe } from "./use-me";
import { departmentName } from "./user-menu";
import type { MessageKey } from "@/lib/i18n/messages";
import styles from "../console.module.css";

type SignInAnswer = { twoFactorRedirect?: boolean; redirect?: boolean; url?: string };

/** Sign-in with email and password, then a TOTP code when the account has two-factor sign-in; SSO when configured; 2FA setup. */
export function SignInForm({ next }: { next: string }) {
  const { t, locale } = useI18n();
  const me = useMe();
  const qc = useQueryClient();
  const [step, setStep] = useState<"password" | "code">("password");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const explain = (e: unknown, wrong: MessageKey) => {
    if (e instanceof HttpError && e.status === 429) return t("auth.tooMany");
    if (e instanceof HttpError && (e.status === 401 || e.status === 400 || e.status === 403)) return t(wrong);
    return `${t("auth.failed")}${(e as Error).message}`;
  };
  const done = async () => {
    await qc.invalidateQueries();
    window.location.href = next;
  };
  const submitPassword = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await fetchJson<SignInAnswer>("/api/auth/sign-in/email", { method: "POST", json: { email, password } });
      if (r.twoFactorRedirect) setStep("code");
      else await done();
    } catch (e) {
      setError(explain(e, "auth.badCredentials"));
    } finally {
      setBusy(false);
    }
  };
  const submitCode = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await fetchJson("/api/auth/two-factor/verify-totp", { method: "POST", json: { code: code.trim() } });
      await done();
    } catch (e) {
      setError(explain(e, "auth.badCode"));
    } finally {
      setBusy(false);
    }
  };
  const sso = async () => {
    const r = await fetchJson<SignInAnswer>("/api/auth/sign-in/social", { method: "POST", json: { provider: "oidc", callbackURL: next } });
    if (r.url) window.location.href = r.url;
  };

  if (me.data?.signedIn && me.data.user) {
    const u = me.data.user;
    return (
      <div className={styles.card} data-testid="signed-in">
        <h1>{t("auth.signedInAs")}</h1>
        <p>
          {u.name} &lt;{u.email}&gt;
          <br />
          {departmentName(u.departmentId, locale)} · {t(`role.${u.role}` as MessageKey)}
        </p>
        {u.needsTwoFactor ? (
          <TwoFactorSetup required />
        ) : (
          <>
            <a href={next} className={styles.button}>
              {t("auth.continue")}
            </a>
            {!u.twoFactorEnabled && (
              <details data-testid="two-factor-optional">
                <summary>{t("auth.setup2faOptional")}</summary>
                <TwoFactorSetup required={false} />
              </details>
            )}
          </>
        )}
      </div>
    );
  }

  return (
    <div className={styles.card} data-testid="sign-in-form">
      <h1>{step === "password" ? t("auth.title") : t("auth.codeTitle")}</h1>
      <p className={styles.intro}>{t("auth.intro")}</p>
      {step === "password" ? (
        <form className={styles.stack} onSubmit={(e) => void submitPassword(e)}>
          <label>
            {t("auth.email")}
            <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} data-testid="sign-in-email" />
          </label>
          <label>
            {t("auth.password")}
            <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="sign-in-password" />
          </label>
          <button type="submit" className={styles.button} disabled={busy} data-testid="sign-in-submit">
            {t("auth.submit")}
          </button>
        </form>
      ) : (
        <form className={styles.stack} onSubmit={(e) => void submitCode(e)}>
          <label>
            {t("auth.code")}
            <input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required value={code} onChange={(e) => setCode(e.target.value)} data-testid="sign-in-code" autoFocus />
          </label>
          <button type="submit" className={styles.button} disabled={busy} data-testid="sign-in-verify">
            {t("auth.verify")}
          </button>
        </form>
      )}
      {error && (
        <p className={styles.error} role="alert" data-testid="sign-in-error">
          {error}
        </p>
      )}
      {me.data?.sso && step === "password" && (
        <p>
          {t("auth.or")}{" "}
          <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={() => void sso()}>
            {t("auth.sso")} {me.data.sso.name}
          </button>
        </p>
      )}
    </div>
  );
}

/**
 * Turns on TOTP two-factor sign-in through Better Auth (any role may): password, then the key
 * for an authenticator app, then a code. `required` when the session cannot act fully without it.
 */
function TwoFactorSetup({ required }: { required: boolean }) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const [setup, setSetup] = useState<{ totpURI: string; backupCodes: string[] } | null>(null);
  const [code, setCode] = useState("");
  const [msg, setMsg] = useState<string | null>(null);
  const [ok, setOk] = useState(false);
  const secret = setup ? new URL(setup.totpURI).searchParams.get("secret") : null;
  const enable = async (e: React.FormEvent) => {
    e.preventDefault();
    setMsg(null);
    try {
      setSetup(await fetchJson("/api/auth/two-factor/enable", { method: "POST", json: { password } }));
    } catch (err) {
      setMsg((err as Error).message);
    }
  };
  const verify = async (e: React.FormEvent) => {
    e.preventDefault();
    setMsg(null);
    try {
      await fetchJson("/api/auth/two-factor/verify-totp", { method: "POST", json: { code: code.trim() } });
      setOk(true);
    } catch (err) {
      setMsg((err as Error).message);
    }
  };
  if (ok) return <p className={styles.ok}>{t("auth.setupDone")}</p>;
  return (
    <div data-testid="two-factor-setup">
      {required && <p className={styles.intro}>{t("auth.needsTwoFactor")}</p>}
      <h2 className={styles.small}>{t("auth.setup2fa")}</h2>
      <p className={styles.intro}>{t("auth.setupIntro")}</p>
      {!setup ? (
        <form className={styles.stack} onSubmit={(e) => void enable(e)}>
          <label>
            {t("auth.password")}
            <input type="password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <button type="submit" className={styles.button}>
            {t("auth.setup2fa")}
          </button>
        </form>
      ) : (
        <form className={styles.stack} onSubmit={(e) => void verify(e)}>
          <div>
            {t("auth.secret")}
            <div className={styles.secret}>{secret}</div>
            <div className={`${styles.secret} ${styles.small}`}>{setup.totpURI}</div>
          </div>
          <div>
            {t("auth.backupCodes")}
            <div className={styles.secret}>{setup.backupCodes.join("  ")}</div>
          </div>
          <label>
            {t("auth.code")}
            <input inputMode="numeric" pattern="[0-9]{6}" required value={code} onChange={(e) => setCode(e.target.value)} />
          </label>
          <button type="submit" className={styles.button}>
            {t("auth.verify")}
          </button>
        </form>
      )}
      {msg && <p className={styles.error}>{msg}</p>}
    </div>
  );
}
