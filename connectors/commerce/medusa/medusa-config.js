// Medusa v2 configuration for Steward's commerce connector tests: a bare server on our PostgreSQL, admin UI off,
// Medusa's in-memory defaults (event bus, cache, workflow engine, locking) so it needs no Redis.
// Everything secret or site-specific comes from the environment; tests/fixtures/medusa.py sets it.
const { defineConfig } = require("@medusajs/framework/utils")

function required(name) {
  const value = process.env[name]
  if (!value) {
    throw new Error(`${name} must be set (see connectors/commerce/README.md)`)
  }
  return value
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: required("DATABASE_URL"),
    databaseDriverOptions: { connection: { ssl: false } },
    http: {
      storeCors: process.env.STORE_CORS || "http://localhost:8000",
      adminCors: process.env.ADMIN_CORS || "http://localhost:8000",
      authCors: process.env.AUTH_CORS || "http://localhost:8000",
      jwtSecret: required("JWT_SECRET"),
      cookieSecret: required("COOKIE_SECRET"),
    },
  },
  admin: { disable: true },
})
