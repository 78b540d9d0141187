// Starts GraphiQL against this server's /graphql: queries and mutations over
// HTTP, subscriptions over a websocket (graphql-transport-ws). The headers
// editor is where a token goes, {"Authorization": "Bearer <token>"}, and a
// language, {"Accept-Language": "hi"}: they are sent with every request and,
// for subscriptions, in connection_init.
(function () {
  'use strict';
  var url = location.origin + '/graphql';
  var subscriptionUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
  var fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrl });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true
  }));
})();
