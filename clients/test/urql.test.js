// urql against VAMS: the document cache, and graphcache's normalised cache
// with a mutation payload. Signs in as demo veteran 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";
import { cacheExchange as graphcache } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { graphqlURL, authHeaders } from "./env.js";

// newClient counts the requests that reach VAMS.
function newClient(cache) {
  const sent = { count: 0 };
  const client = new Client({
    url: graphqlURL,
    exchanges: [cache, fetchExchange],
    fetchOptions: { headers: authHeaders(2) },
    fetch: (...args) => {
      sent.count++;
      return fetch(...args);
    },
  });
  return { client, sent };
}

const UNREAD = gql`
  query Unread {
    viewer {
      id
      threads(first: 10, filter: { unreadOnly: true }) {
        edges { node { id unreadCount } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const MARK = gql`
  mutation Mark($id: ID!) { markThreadRead(input: { threadId: $id }) { thread { id unreadCount } } }
`;

async function run(op) {
  const res = await op.toPromise();
  assert.equal(res.error, undefined, String(res.error));
  return res.data;
}

test("the document cache answers repeats and refetches after a Thread mutation", async () => {
  const { client, sent } = newClient(cacheExchange);
  const first = await run(client.query(UNREAD, {}));
  await run(client.query(UNREAD, {}));
  assert.equal(sent.count, 1, "the repeat came from the cache");

  const thread = first.viewer.threads.edges[0]?.node;
  assert.ok(thread, "demo veteran 2 has an unread thread");
  await run(client.mutation(MARK, { id: thread.id }));
  // The payload is a Thread, so results holding Threads are stale.
  const after = await run(client.query(UNREAD, {}));
  assert.equal(sent.count, 3, "the query went back to VAMS after the mutation");
  assert.ok(!after.viewer.threads.edges.some((e) => e.node.id === thread.id), "the read thread left the unread list");
});

test("graphcache writes markThreadRead's payload into the normalised thread", async () => {
  const { client, sent } = newClient(graphcache({ resolvers: { Viewer: { threads: relayPagination() } } }));
  const THREADS = gql`
    query Threads { viewer { id unreadCount threads(first: 20) { edges { node { id unreadCount } } } } }
  `;
  const before = await run(client.query(THREADS, {}));
  const thread = before.viewer.threads.edges.map((e) => e.node).find((n) => n.unreadCount > 0);
  assert.ok(thread, "demo veteran 2 still has an unread thread");

  const res = await run(client.mutation(MARK, { id: thread.id }));
  assert.equal(res.markThreadRead.thread.unreadCount, 0);
  const requests = sent.count;
  const cached = await run(client.query(THREADS, {}, { requestPolicy: "cache-only" }));
  assert.equal(sent.count, requests, "read from the cache alone");
  const same = cached.viewer.threads.edges.find((e) => e.node.id === thread.id);
  assert.equal(same.node.unreadCount, 0);
});

test("errors reach urql with VAMS's extensions.code", async () => {
  const { client } = newClient(cacheExchange);
  const res = await client.mutation(MARK, { id: "thr_01M8T8E05VVNYD2E6E8S0XP4B4" }).toPromise();
  assert.ok(res.error, "marking a thread that does not exist fails");
  assert.equal(res.error.graphQLErrors[0]?.extensions?.code, "NOT_FOUND");
});
