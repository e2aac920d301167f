// Starts GraphiQL on the VAMS playground page. It is a file rather than an
// inline script so the page's Content-Security-Policy can allow scripts from
// this server only. The page's data- attributes carry the server's settings.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var cfg = root.dataset;

  function absolute(path, protocol) {
    var u = new URL(path, location.href);
    if (protocol) u.protocol = protocol;
    return u.href;
  }

  function fetcher(demoHeaders) {
    var opts = { url: absolute(cfg.endpoint) };
    if (demoHeaders) {
      // GraphiQL fetches the schema before its headers editor exists, so
      // that request would go without the token; headers typed in the
      // editor still win.
      opts.schemaFetcher = GraphiQL.createFetcher({ url: opts.url, headers: demoHeaders });
    }
    // The subscription hook: once the server names a subscription endpoint,
    // GraphiQL opens a graphql-ws connection there for subscription
    // operations; until then it sends everything over HTTP.
    if (cfg.subscriptionEndpoint) {
      opts.subscriptionUrl = absolute(cfg.subscriptionEndpoint, location.protocol === "https:" ? "wss:" : "ws:");
    }
    return GraphiQL.createFetcher(opts);
  }

  // In demo mode the server issues a token for the demo veteran chosen with
  // ?veteran=N (1 by default); elsewhere there is no such endpoint.
  function demoToken() {
    if (!cfg.demoToken) return Promise.resolve(null);
    var veteran = new URLSearchParams(location.search).get("veteran") || "1";
    return fetch(cfg.demoToken + "?veteran=" + encodeURIComponent(veteran), { credentials: "omit" })
      .then(function (res) {
        if (res.ok) return res.json();
        // Errors come in the edge's shape: {"error":{"code","message","requestId"}}.
        return res.json()
          .then(function (body) { return { error: body.error.message }; })
          .catch(function () { return { error: res.statusText }; });
      })
      .catch(function (err) { return { error: String(err) }; });
  }

  var sampleQuery = [
    "query Inbox {",
    "  viewer {",
    "    displayName",
    "    unreadCount",
    "    threads(first: 5) {",
    "      edges { node { id subject unreadCount } }",
    "      pageInfo { hasNextPage endCursor }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  function demoProps(demo) {
    if (demo.error) {
      return { defaultQuery: "# No demo token: " + demo.error + "\n\n" + sampleQuery };
    }
    var headers = { Authorization: "Bearer " + demo.token };
    var text = JSON.stringify(headers, null, 2);
    return {
      fetcher: fetcher(headers),
      // Each demo veteran keeps their own tabs and history, so a restored
      // tab never shows one veteran's query under another's token.
      storage: GraphiQL.createLocalStorage({ namespace: "vams-veteran-" + demo.veteran }),
      // defaultHeaders seeds a new tab; headers replaces those of a tab
      // restored from local storage.
      defaultHeaders: text,
      headers: text,
      defaultEditorToolsVisibility: "headers",
      defaultQuery:
        "# Demo veteran " + demo.veteran + " of " + demo.veterans + ": " + demo.displayName + "\n" +
        "# (" + demo.icn + "). Headers below: a 12-hour token.\n" +
        "# Another veteran: open /?veteran=N.\n\n" + sampleQuery,
    };
  }

  demoToken().then(function (demo) {
    var props = { fetcher: fetcher(null), shouldPersistHeaders: false };
    if (demo) Object.assign(props, demoProps(demo));
    ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
  });
})();
