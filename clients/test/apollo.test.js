// Apollo Client 3 against VAMS: Relay-style pagination of the threads
// connection, cache normalisation by id, cache updates from mutation
// payloads, and VAMS error codes. Signs in as demo veteran 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { relayStylePagination } from "@apollo/client/utilities/index.js";
import { graphqlURL, authHeaders } from "./env.js";

function newClient() {
  return new ApolloClient({
    link: new HttpLink({ uri: graphqlURL, headers: authHeaders(1) }),
    cache: new InMemoryCache({
      typePolicies: {
        // Pages of one listing merge; another folder or filter is another list.
        Viewer: { fields: { threads: relayStylePagination(["folder", "filter", "orderBy"]) } },
      },
    }),
  });
}

const THREADS = gql`
  query Threads($first: Int, $after: Cursor, $filter: ThreadFilter) {
    viewer {
      id
      threads(first: $first, after: $after, filter: $filter) {
        edges { cursor node { id subject unreadCount } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const ids = (conn) => conn.edges.map((e) => e.node.id);

test("relayStylePagination pages through the threads connection", async () => {
  const all = await newClient().query({ query: THREADS, variables: { first: 100 } });
  const want = ids(all.data.viewer.threads);
  assert.ok(want.length > 20, `demo veteran 1 has ${want.length} threads; the test needs more than 2 pages`);

  const client = newClient();
  const first = { query: THREADS, variables: { first: 10 } };
  let { data } = await client.query(first);
  const watch = client.watchQuery({ ...first, fetchPolicy: "cache-only" });
  let pages = 1;
  while (data.viewer.threads.pageInfo.hasNextPage) {
    await watch.fetchMore({ variables: { after: data.viewer.threads.pageInfo.endCursor } });
    // The first page's query now reads every page merged.
    data = client.readQuery(first);
    pages++;
    assert.ok(pages <= 20, "pagination does not end");
  }
  assert.equal(pages, Math.ceil(want.length / 10));
  assert.deepEqual(ids(data.viewer.threads), want, "merged pages equal one big page, in order, without repeats");
});

test("the cache normalises objects by id", async () => {
  const client = newClient();
  const { data } = await client.query({ query: THREADS, variables: { first: 5 } });
  const thread = data.viewer.threads.edges[0].node;
  const ref = client.cache.identify(thread);
  assert.equal(ref, `Thread:${thread.id}`);
  assert.ok(client.cache.extract()[ref], "the thread is stored once, under its id");

  // A node(id:) lookup lands on the same cache entry as the list's edge.
  const NODE = gql`query Node($id: ID!) { node(id: $id) { id ... on Thread { subject messageCount } } }`;
  const node = await client.query({ query: NODE, variables: { id: thread.id } });
  assert.equal(node.data.node.subject, thread.subject);
  const entry = client.cache.extract()[ref];
  assert.equal(typeof entry.messageCount, "number", "the node query's fields join the list's entry");
  assert.equal(entry.subject, thread.subject);
});

test("markThreadRead's payload updates unreadCount in cached lists", async () => {
  const client = newClient();
  const vars = { first: 10, filter: { unreadOnly: true } };
  const { data } = await client.query({ query: THREADS, variables: vars });
  const unread = data.viewer.threads.edges.map((e) => e.node).find((n) => n.unreadCount > 0);
  assert.ok(unread, "demo veteran 1 has an unread thread");

  const MARK = gql`
    mutation Mark($id: ID!) { markThreadRead(input: { threadId: $id }) { thread { id unreadCount } } }
  `;
  const res = await client.mutate({ mutation: MARK, variables: { id: unread.id } });
  assert.equal(res.data.markThreadRead.thread.unreadCount, 0);

  // No refetch: the cached list reads the thread's new count through the
  // normalised entry the payload wrote.
  const cached = client.readQuery({ query: THREADS, variables: vars });
  const same = cached.viewer.threads.edges.find((e) => e.node.id === unread.id);
  assert.equal(same.node.unreadCount, 0);
});

test("errors carry VAMS's extensions.code", async () => {
  const client = newClient();
  const { data } = await client.query({
    query: gql`{ viewer { id careTeams { id canMessage } } }`,
  });
  const team = data.viewer.careTeams.find((c) => c.canMessage);
  assert.ok(team, "demo veteran 1 can message a care team");
  const SEND = gql`
    mutation Send($team: ID!) {
      sendMessage(input: { careTeamId: $team, category: OTHER, subject: "${"x".repeat(51)}", body: "hello" }) {
        message { id }
      }
    }
  `;
  await assert.rejects(client.mutate({ mutation: SEND, variables: { team: team.id } }), (err) => {
    assert.ok(err instanceof ApolloError);
    assert.equal(err.graphQLErrors[0]?.extensions?.code, "SUBJECT_TOO_LONG");
    return true;
  });
});
