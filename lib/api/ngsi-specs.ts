// The NGSI-LD context source's routes (ETSI GS CIM 009 subset, issue 19) and the API keys of
// departments' system accounts. NGSI-LD errors are ProblemDetails (lib/ngsi/problem.ts).
import { z } from "zod";
import { defineRoute } from "../http/openapi";

/** The query parameters of GET /ngsi-ld/v1/entities (unknown ones are ignored, as brokers do). */
export const EntitiesQuery = z.object({
  type: z.string().max(2000).optional(),
  id: z.string().max(20_000).optional(),
  q: z.string().optional(),
  attrs: z.string().max(2000).optional(),
  georel: z.string().max(200).optional(),
  geometry: z.string().max(40).optional(),
  coordinates: z.string().max(100_000).optional(),
  geoproperty: z.string().max(200).optional(),
  limit: z.string().optional(),
  offset: z.string().optional(),
  count: z.enum(["true", "false"]).optional(),
  options: z.string().max(200).optional(),
});
export type EntitiesQuery = z.infer<typeof EntitiesQuery>;

const Uri = z.string().max(2000).regex(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/, "a URI");
const Name = z.string().min(1).max(200);
export const SubscriptionBody = z.object({
  id: Uri.optional(),
  type: z.literal("Subscription"),
  subscriptionName: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  entities: z.array(z.object({ type: Name, id: Uri.optional() }).strict()).min(1).max(50).optional(),
  watchedAttributes: z.array(Name).min(1).max(50).optional(),
  q: z.string().max(2000).optional(),
  geoQ: z.object({ georel: z.string().max(200), geometry: z.string().max(40), coordinates: z.union([z.string().max(100_000), z.array(z.unknown()).max(10_000)]), geoproperty: z.string().max(200).optional() }).optional(),
  throttling: z.number().int().min(0).max(86_400).optional(),
  notification: z.object({
    attributes: z.array(Name).max(50).optional(),
    format: z.enum(["normalized", "keyValues"]).optional(),
    endpoint: z.object({
      uri: z.string().max(2000).url().refine((u) => /^https?:\/\//i.test(u), "an http or https URL"),
      accept: z.enum(["application/json", "application/ld+json"]).optional(),
    }),
  }),
  "@context": z.unknown().optional(),
});
export type SubscriptionBody = z.infer<typeof SubscriptionBody>;

export const ApiKeysQuery = z.object({ department: z.string().max(64).optional().describe("Department (default: the admin's own; sysadmins: all)") });
export const CreateApiKeyBody = z.strictObject({
  name: z.string().min(1).max(100).describe("what the key is for"),
  kind: z.enum(["key", "oauth_client"]).default("key").describe('"key": an API key; "oauth_client": OAuth 2.0 client credentials (client_id and client_secret)'),
});
export const OAuthTokenBody = z.object({
  grant_type: z.literal("client_credentials"),
  scope: z.literal("ngsi-ld").optional(),
  client_id: z.string().optional().describe("with client_secret, instead of HTTP Basic"),
  client_secret: z.string().optional(),
});
export const ApiKeyParams = z.object({ id: z.string().regex(/^[a-z0-9]{12}$/, "an API key id (12 characters a-z, 0-9)") });
const EntityParams = z.object({ id: z.string().min(1).max(2000).describe("entity id, urn:ngsi-ld:<Type>:<id>") });
const SubscriptionParams = z.object({ id: z.string().min(1).max(2000) });
const ContextParams = z.object({ name: z.string().min(1).max(100) });
const auth = "Authorization: Bearer <API key or OAuth access token> (or X-API-Key), or a session cookie.";

export const ngsiEntitiesRoute = defineRoute({
  method: "get", path: "/ngsi-ld/v1/entities", tag: "ngsi-ld",
  summary: "NGSI-LD entities (Smart Data Models) the caller may read: type, id, q, geo-query, attrs, paging, keyValues",
  description: auth, query: EntitiesQuery,
  responses: { 200: { description: "Entities, sorted by id; NGSILD-Results-Count with count=true" }, 401: { description: "Unknown or revoked API key" } },
});
export const ngsiEntityRoute = defineRoute({
  method: "get", path: "/ngsi-ld/v1/entities/{id}", tag: "ngsi-ld", summary: "One NGSI-LD entity", description: auth,
  params: EntityParams, query: z.object({ attrs: z.string().max(2000).optional(), options: z.string().max(200).optional() }),
  responses: { 200: { description: "The entity" }, 404: { description: "No such entity, or not readable" } },
});
export const ngsiTypesRoute = defineRoute({
  method: "get", path: "/ngsi-ld/v1/types", tag: "ngsi-ld", summary: "The entity types the caller may read (EntityTypeList)", description: auth,
  responses: { 200: { description: "EntityTypeList" } },
});
export const ngsiContextRoute = defineRoute({
  method: "get", path: "/ngsi-ld/v1/contexts/{name}", tag: "ngsi-ld", summary: "The console's JSON-LD @context (city-brain.jsonld), public",
  params: ContextParams, responses: { 200: { description: "The @context document" }, 404: { description: "No such context" } },
});
export const ngsiSubscriptionsRoute = defineRoute({
  method: "get", path: "/ngsi-ld/v1/subscriptions", tag: "ngsi-ld", summary: "The caller's department's subscriptions, with notification status", description: auth,
  responses: { 200: { description: "Subscriptions" }, 401: { description: "Not signed in" } },
});
export const ngsiSubscribeRoute = defineRoute({
  method: "post", path: "/ngsi-ld/v1/subscriptions", tag: "ngsi-ld", summary: "Subscribe an http(s) endpoint to changes of entities", description: auth,
  body: { schema: SubscriptionBody }, responses: { 201: { description: "Created; Location names it" }, 409: { description: "The id is taken" } },
});
export const ngsiSubscriptionRoute = defineRoute({
  method: "get", path: "/ngsi-ld/v1/subscriptions/{id}", tag: "ngsi-ld", summary: "One subscription with notification status (timesSent, timesFailed, lastFailure)", description: auth,
  params: SubscriptionParams, responses: { 200: { description: "The subscription" }, 404: { description: "Not the caller's department's" } },
});
export const ngsiUnsubscribeRoute = defineRoute({
  method: "delete", path: "/ngsi-ld/v1/subscriptions/{id}", tag: "ngsi-ld", summary: "Delete a subscription", description: auth,
  params: SubscriptionParams, responses: { 204: { description: "Deleted" }, 404: { description: "Not the caller's department's" } },
});
export const apiKeysRoute = defineRoute({
  method: "get", path: "/api/api-keys", tag: "access", summary: "API keys (system accounts) of the admin's department, without their secrets",
  query: ApiKeysQuery, responses: { 200: { description: "{ keys }" }, 401: { description: "Not signed in" }, 403: { description: "Not an admin of that department" } },
});
export const createApiKeyRoute = defineRoute({
  method: "post", path: "/api/api-keys", tag: "access", summary: "Issue an API key, or OAuth client credentials, for the admin's own department; the secret is in this answer only",
  body: { schema: CreateApiKeyBody }, responses: { 201: { description: "The key (or the OAuth client's client_id and client_secret), shown once" }, 401: { description: "Not signed in" }, 403: { description: "Not a department admin" } },
});
export const revokeApiKeyRoute = defineRoute({
  method: "delete", path: "/api/api-keys/{id}", tag: "access", summary: "Revoke an API key of the admin's own department (refused from its next use)",
  params: ApiKeyParams, responses: { 200: { description: "The revoked key" }, 403: { description: "Not an admin of its department" }, 404: { description: "No such key" } },
});
export const oauthTokenRoute = defineRoute({
  method: "post", path: "/oauth/token", tag: "access",
  summary: "OAuth 2.0 client credentials grant (RFC 6749 §4.4): a short-lived bearer token for the NGSI-LD API",
  description: "The client authenticates with HTTP Basic (client_id:client_secret) or client_id and client_secret in the body.",
  body: { schema: OAuthTokenBody, contentType: "application/x-www-form-urlencoded" },
  responses: {
    200: { description: "{ access_token, token_type: Bearer, expires_in, scope }" },
    400: { description: "invalid_request, unsupported_grant_type or invalid_scope (RFC 6749 §5.2)" },
    401: { description: "invalid_client" },
  },
});
