// GET /report/leaderboard – the public leaderboard of reporter keys (pseudonyms only)
import { Leaderboard } from "@/components/citizen/leaderboard";

export const dynamic = "force-dynamic";
export default function LeaderboardPage() {
  return <Leaderboard />;
}
