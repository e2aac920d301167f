// Live updates through the npm clients a front end would use: graphql-ws
// (graphql-transport-ws over WebSocket, with the ws package since Node 20 has
// no global WebSocket) and graphql-sse (distinct connections mode). A
// clinician writes in each simulator — MHV to demo veteran 2, OH to demo
// veteran 3 — and each message reaches its veteran's subscribed client,
// while demo veteran 1's client, subscribed throughout, receives nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { createClient as createWSClient } from "graphql-ws";
import { createClient as createSSEClient } from "graphql-sse";
import { graphqlURL, token, authHeaders, icn } from "./env.js";

const ARRIVALS = `subscription Arrivals {
  messageReceived { state message { id body author { kind } } thread { id subject } }
}`;

// How long a message may take: OH pushes at once; MHV is checked once per
// freshness bound (500 ms in contract_test.go) while a subscription lives.
const ARRIVAL_WAIT_MS = 30_000;
// After both messages arrived, how long the uninvolved client is watched.
const QUIET_MS = 500;

const origin = new URL(graphqlURL).origin;
const MHV = { provider: "mhv", veteran: 2, careTeam: "1013" }; // Primary Care Team Blue
const OH = { provider: "oh", veteran: 3, careTeam: "300100" }; // Primary Care Team Red
const BYSTANDER = 1;

const transports = {
  WebSocket(veteran, sink) {
    const client = createWSClient({
      url: graphqlURL.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${token(veteran)}` },
      retryAttempts: 0,
      lazy: false,
    });
    const stop = client.subscribe({ query: ARRIVALS }, sink);
    return async () => {
      stop();
      await client.dispose();
    };
  },
  SSE(veteran, sink) {
    const client = createSSEClient({ url: graphqlURL, headers: authHeaders(veteran), retryAttempts: 0 });
    const stop = client.subscribe({ query: ARRIVALS }, sink);
    return async () => {
      stop();
      client.dispose();
    };
  },
};

// live subscribes demo veteran n and records every event and failure.
function live(transport, veteran) {
  const sub = { veteran, events: [], failures: [], ended: false };
  sub.close = transports[transport](veteran, {
    next: (r) => (r.errors ? sub.failures.push(JSON.stringify(r.errors)) : sub.events.push(r.data.messageReceived)),
    error: (e) => sub.failures.push(String(e?.message ?? e?.reason ?? e?.code ?? e)),
    complete: () => (sub.ended = true),
  });
  return sub;
}

// until polls cond every 50 ms and fails with what was awaited when it has
// not held within ms.
async function until(what, cond, ms = ARRIVAL_WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// subscribers reads VAMS's live subscription count: only this file
// subscribes, so it tells when the server side of every client is live.
async function subscribers() {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const m = text.match(/^vams_subscribers (\d+)/m);
  assert.ok(m, "/metrics has vams_subscribers");
  return Number(m[1]);
}

async function clinicianWrites({ provider, veteran, careTeam }, body) {
  const res = await fetch(`${origin}/sim/${provider}/control/clinician-messages`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ icn: icn(veteran), careTeam, subject: "Your lab results", body }),
  });
  assert.equal(res.status, 201, `${provider} control API: ${await res.text()}`);
}

for (const transport of Object.keys(transports)) {
  test(`MHV and OH clinician messages reach their veteran over ${transport}, and no one else`, { timeout: 90_000 }, async () => {
    const mhv = live(transport, MHV.veteran);
    const oh = live(transport, OH.veteran);
    const bystander = live(transport, BYSTANDER);
    const subs = [mhv, oh, bystander];
    try {
      await until("three live subscriptions at VAMS", async () => (await subscribers()) === subs.length, 10_000);

      const tag = `${transport} ${Date.now()}`;
      const bodies = { mhv: `MHV results are normal (${tag}).`, oh: `OH results are normal (${tag}).` };
      await clinicianWrites(MHV, bodies.mhv);
      await clinicianWrites(OH, bodies.oh);

      for (const [sub, body, from] of [[mhv, bodies.mhv, "MHV"], [oh, bodies.oh, "OH"]]) {
        const got = await until(`the ${from} message reaching veteran ${sub.veteran} over ${transport}` +
          ` (events ${JSON.stringify(sub.events)}, failures ${JSON.stringify(sub.failures)})`,
          () => sub.events.find((e) => e.message.body === body));
        assert.equal(got.message.author.kind, "CLINICIAN");
        assert.ok(got.thread.id.startsWith("thr_"), `thread id ${got.thread.id}`);
        assert.equal(got.thread.subject, "Your lab results");
        assert.ok(got.state, "the event carries a state token");
      }

      await new Promise((r) => setTimeout(r, QUIET_MS));
      assert.deepEqual(bystander.events, [], "veteran 1 received another veteran's message");
      assert.ok(!mhv.events.some((e) => e.message.body === bodies.oh), "veteran 2 received veteran 3's OH message");
      assert.ok(!oh.events.some((e) => e.message.body === bodies.mhv), "veteran 3 received veteran 2's MHV message");
      for (const s of subs) {
        assert.deepEqual(s.failures, [], `veteran ${s.veteran}'s subscription failed`);
        assert.equal(s.ended, false, `veteran ${s.veteran}'s subscription ended early`);
      }
    } finally {
      await Promise.all(subs.map((s) => s.close()));
    }
    // Leaving frees the server side too (and the next test counts from 0).
    await until("VAMS ending the closed subscriptions", async () => (await subscribers()) === 0, 10_000);
  });
}
