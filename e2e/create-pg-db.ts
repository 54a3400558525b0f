// Creates a fresh database for the PostgreSQL-backed e2e console (dropping an old one).
import pg from "pg";
import { E2E_PG_ADMIN_URL, E2E_PG_URL } from "./config";

const name = new URL(E2E_PG_URL).pathname.slice(1);
const c = new pg.Client({ connectionString: E2E_PG_ADMIN_URL });
await c.connect();
await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await c.query(`CREATE DATABASE ${name}`);
await c.end();
