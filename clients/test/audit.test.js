// The graphql-http server audit: VAMS against the GraphQL-over-HTTP spec.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serverAudits } from "graphql-http";
import { graphqlURL, authHeaders } from "./env.js";

// Any warning fails the suite: VAMS answers request errors as the spec asks
// (200 under application/json, 4xx without data under
// application/graphql-response+json).
const EXPECT_NO_WARNINGS = true;

// Every audit request carries a token: VAMS answers 401 before GraphQL
// without one.
function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(authHeaders(3))) headers.set(k, v);
  return fetch(input, { ...init, headers });
}

test("graphql-http server audit", async (t) => {
  const results = [];
  for (const audit of serverAudits({ url: graphqlURL, fetchFn: fetchWithToken })) {
    results.push(await audit.fn());
  }
  const errors = results.filter((r) => r.status === "error");
  const warnings = results.filter((r) => r.status === "warn");
  const describe = (r) => `${r.id} ${r.name}: ${r.reason}`;
  console.log(`audit: ${results.length} audits, ${errors.length} errors, ${warnings.length} warnings`);
  for (const w of warnings) console.log(`audit warning: ${describe(w)}`);
  for (const e of errors) console.log(`audit error: ${describe(e)}`);

  assert.equal(errors.length, 0, `audit errors:\n${errors.map(describe).join("\n")}`);
  if (EXPECT_NO_WARNINGS) {
    assert.equal(warnings.length, 0, `audit warnings:\n${warnings.map(describe).join("\n")}`);
  } else if (warnings.length > 0) {
    t.diagnostic(`${warnings.length} audit warnings (EXPECT_NO_WARNINGS is off)`);
  }
});
