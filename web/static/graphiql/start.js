// Starts GraphiQL on this server's /graphql. The Authorization header is edited in the
// Headers tab; GraphiQL keeps it in the browser's local storage, never in the URL.
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Paste the token that `python3 run.py serve` printed into the Headers tab below,",
    '# after "Bearer ", then press the run button (or Ctrl-Enter).',
    "{",
    "  viewer { kind brand scopes }",
    "  customers(first: 5) { totalCount edges { node { id name phone } } }",
    "}",
    "",
  ].join("\n");
  var DEFAULT_HEADERS = JSON.stringify({ Authorization: "Bearer " }, null, 2);

  var parameters = new URLSearchParams(window.location.search);
  var url = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: url });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function App() {
    var query = React.useState(parameters.get("query") || DEFAULT_QUERY);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      query: query[0],
      onEditQuery: query[1],
      defaultHeaders: DEFAULT_HEADERS,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
