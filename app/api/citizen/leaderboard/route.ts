// GET /api/citizen/leaderboard – reporter keys (pseudonyms only) by credit points
import { handle, parseQuery } from "@/lib/http/respond";
import { LeaderboardQuery } from "@/lib/api/specs";
import { getLeaderboard } from "@/lib/citizen/get-leaderboard";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, LeaderboardQuery);
  return Response.json(await getLeaderboard(q));
});
