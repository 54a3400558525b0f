// GET /api/stream – server-sent events of live readings the viewer may see
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { openLiveStream } from "@/lib/map/open-live-stream";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const stream = await openLiveStream({ viewer: await viewerFromRequest(req), signal: req.signal });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" },
  });
});
