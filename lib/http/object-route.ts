import type { z } from "zod";
import { viewerFromRequest, type Viewer } from "../access/viewer";
import { handle, parseJson, parseQuery } from "./respond";

/** What a route on one object gets: the viewer, its parsed path parameters, query and body. */
export type ObjectRouteInput<P, Q, B> = { viewer: Viewer; params: P; query: Q; body: B };

/**
 * A route handler for `app/api/**\/[id]/...`: reads the viewer (a cross-origin write is a 403
 * first), parses the path's parameters, then the query and the JSON body when their schemas are
 * given (each a 400 naming the field), calls `run` and responds with its result as JSON. Errors
 * go through `handle`. `optionalBody`: an empty body reads as {}.
 */
export function objectRoute<P, Q = undefined, B = undefined>(
  spec: { params: z.ZodType<P>; query?: z.ZodType<Q>; body?: z.ZodType<B>; optionalBody?: boolean },
  run: (input: ObjectRouteInput<P, Q, B>) => Promise<unknown>,
) {
  return handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
    const viewer = await viewerFromRequest(req);
    const params = spec.params.parse(await ctx.params);
    const query = (spec.query ? parseQuery(req, spec.query) : undefined) as Q;
    const body = (spec.body ? await parseJson(req, spec.body, { optional: spec.optionalBody }) : undefined) as B;
    return Response.json(await run({ viewer, params, query, body }));
  });
}
