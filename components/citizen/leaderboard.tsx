"use client";
// The public leaderboard: reporter keys (pseudonyms only) by the points their confirmed
// reports earned, with what the points are for.
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson } from "../http/fetch-json";
import type { LeaderboardRow } from "@/lib/citizen/get-leaderboard";
import styles from "./citizen.module.css";

export function Leaderboard() {
  const { t } = useI18n();
  const q = useQuery({ queryKey: ["citizen-leaderboard"], queryFn: () => fetchJson<{ rows: LeaderboardRow[] }>("/api/citizen/leaderboard") });
  return (
    <div className={styles.page} data-testid="leaderboard">
      <h1>{t("credit.leaderboard")}</h1>
      <p className={styles.intro}>{t("credit.about")}</p>
      {q.error && <p className={styles.error}>{q.error.message}</p>}
      {q.data?.rows.length === 0 && <p>{t("credit.leaderboardEmpty")}</p>}
      {q.data && q.data.rows.length > 0 && (
        <table className={styles.table}>
          <thead>
            <tr>
              <th>#</th>
              <th>{t("credit.reporter")}</th>
              <th>{t("credit.points")}</th>
              <th>{t("credit.confirmed")}</th>
            </tr>
          </thead>
          <tbody>
            {q.data.rows.map((r) => (
              <tr key={r.reporter} data-testid="leaderboard-row" data-reporter={r.reporter} data-points={r.points}>
                <td>{r.rank}</td>
                <td className={styles.mono}>{r.reporter}</td>
                <td>{r.points}</td>
                <td>{r.confirmed}{r.duplicates ? ` (+${r.duplicates})` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <a href="/report/mine">{t("report.mine")}</a>
    </div>
  );
}
