export const E2E_PORT = Number(process.env.E2E_PORT ?? 3310);
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? `./data/e2e-${E2E_PORT}`;
