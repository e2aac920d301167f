// Malformed and hostile requests, sent the way real clients send them
// (Apollo Client 3, urql, and fetch for what no client library sends): each
// gets a typed error the client can read, at the status GraphQL over HTTP
// names for the media type the client asked for, and never echoes what was
// sent. Signs in as demo veteran 3 and changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { Client, fetchExchange } from "@urql/core";
import { graphqlURL, authHeaders } from "./env.js";

const SECRET = "SECRET-VETERAN-TEXT";

function apollo(headers = authHeaders(3)) {
  return new ApolloClient({ link: new HttpLink({ uri: graphqlURL, headers }), cache: new InMemoryCache() });
}

// urql asks for application/graphql-response+json first, so request errors
// come back as 4xx with a GraphQL body; it must still read their codes.
function urql() {
  return new Client({ url: graphqlURL, exchanges: [fetchExchange], fetchOptions: { headers: authHeaders(3) } });
}

// rejected runs an Apollo operation that must fail and returns its error.
async function rejected(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApolloError, `not an ApolloError: ${err}`);
    return err;
  }
  assert.fail("the operation succeeded");
}

async function raw(init, url = graphqlURL) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
  return { res, text, body };
}

test("a malformed cursor is INVALID_CURSOR naming the argument, not echoed", async () => {
  for (const [name, query] of [
    ["after", gql`query Page($c: Cursor) { viewer { id threads(first: 2, after: $c) { edges { cursor } } } }`],
    ["before", gql`query Back($c: Cursor) { viewer { id threads(last: 2, before: $c) { edges { cursor } } } }`],
  ]) {
    const err = await rejected(apollo().query({ query, variables: { c: SECRET } }));
    const [e] = err.graphQLErrors;
    assert.equal(e?.extensions?.code, "INVALID_CURSOR", err.message);
    assert.equal(e.extensions.field, name);
    assert.ok(!JSON.stringify(err.graphQLErrors).includes(SECRET), "the cursor is echoed");
  }
});

test("malformed JSON is BAD_REQUEST without the request's text", async () => {
  for (const accept of ["application/json", "application/graphql-response+json"]) {
    const { res, text, body } = await raw({
      method: "POST",
      headers: { ...authHeaders(3), "Content-Type": "application/json", Accept: accept },
      body: `{"query": "mutation { sendMessage(input: {body: \\"${SECRET}`,
    });
    assert.equal(res.status, 400, text);
    assert.equal(body.errors[0].extensions.code, "BAD_REQUEST", text);
    assert.ok(!text.includes(SECRET), `the body is echoed: ${text}`);
    assert.ok(!("data" in body), `a request error carries data: ${text}`);
  }
});

test("a mutation over GET is 405 METHOD_NOT_ALLOWED with Allow: POST", async () => {
  const url = new URL(graphqlURL);
  url.searchParams.set("query", `mutation { markThreadRead(input: {threadId: "x"}) { thread { id } } }`);
  const { res, text, body } = await raw({ headers: { ...authHeaders(3), Accept: "application/json" } }, url);
  assert.equal(res.status, 405, text);
  assert.equal(res.headers.get("Allow"), "POST");
  assert.equal(body.errors[0].extensions.code, "METHOD_NOT_ALLOWED", text);
});

test("401 comes in the requested media type with UNAUTHENTICATED", async () => {
  for (const [accept, type] of [
    ["application/graphql-response+json", "application/graphql-response+json"],
    ["application/json", "application/json"],
    ["*/*", "application/json"],
  ]) {
    const { res, text, body } = await raw({
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: accept, Authorization: "Bearer not-a-token" },
      body: JSON.stringify({ query: "{ viewer { id } }" }),
    });
    assert.equal(res.status, 401, text);
    assert.equal(res.headers.get("Content-Type"), type);
    assert.equal(body.errors[0].extensions.code, "UNAUTHENTICATED", text);
  }
  // What Apollo Client makes of it: a ServerError whose result holds the code.
  const err = await rejected(apollo({}).query({ query: gql`{ viewer { id } }` }));
  assert.equal(err.networkError?.statusCode, 401);
  assert.equal(err.networkError.result?.errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
});

test("@defer is refused with DEFER_NOT_SUPPORTED, not half an answer", async () => {
  // Apollo Client 3 supports @defer: it asks for multipart/mixed and would
  // merge deferred parts; VAMS answers the whole request with one error.
  const query = gql`query Deferred { viewer { id ... @defer { unreadCount } } }`;
  const err = await rejected(apollo().query({ query }));
  assert.equal(err.graphQLErrors[0]?.extensions?.code, "DEFER_NOT_SUPPORTED", err.message);
  const res = await urql().query(query, {}).toPromise();
  assert.equal(res.data, undefined);
  assert.equal(res.error?.graphQLErrors[0]?.extensions?.code, "DEFER_NOT_SUPPORTED", String(res.error));
  assert.equal(res.error.response?.status, 400);
});

// The attack shapes of issue 12, refused by their limit before validation.
const repeat = (n, f) => Array.from({ length: n }, (_, i) => f(i)).join(" ");
const attacks = [
  ["16,000 repeated fields (48 KB)", `{ viewer { x1: ${"id ".repeat(16000)}} }`, {}, "QUERY_TOO_LARGE"],
  // 1,000 of them are 40 KB, over the size limit before anything counts them.
  ["1,000 aliases of viewer { careTeams { canMessage } }",
    `{ ${repeat(1000, (i) => `a${i}: viewer { careTeams { canMessage } }`)} }`, {}, "QUERY_TOO_LARGE"],
  ["200 aliases of viewer { careTeams { canMessage } } (600 fields)",
    `{ ${repeat(200, (i) => `a${i}: viewer { careTeams { canMessage } }`)} }`, {}, "TOO_MANY_FIELDS"],
  ["200,000 ids to nodes", `query Many($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    { ids: Array.from({ length: 200000 }, (_, i) => `thr_${i}`) }, "TOO_MANY_IDS"],
];

for (const [name, text, variables, code] of attacks) {
  test(`${name} is refused with ${code}`, async () => {
    // Apollo sends Accept: */*, so the refusal is 200 with errors.
    const err = await rejected(apollo().query({ query: gql(text), variables }));
    assert.equal(err.networkError, null, `a network error: ${err.networkError}`);
    assert.equal(err.graphQLErrors[0]?.extensions?.code, code, err.message);
    // urql prefers application/graphql-response+json: 400, same code.
    const res = await urql().query(text, variables).toPromise();
    assert.equal(res.error?.graphQLErrors[0]?.extensions?.code, code, String(res.error));
    assert.equal(res.error.response?.status, 400);
    assert.equal(res.data, undefined);
  });
}
