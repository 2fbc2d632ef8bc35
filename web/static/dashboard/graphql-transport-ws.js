// A small client of the graphql-transport-ws protocol (the one graphql-ws speaks): connect with
// a token in connection_init, subscribe, answer pings. Exposes window.GraphQLTransportWS.
(function () {
  "use strict";

  function connect(url, token, handlers) {
    var socket = new WebSocket(url, "graphql-transport-ws");
    var sinks = {};
    var nextId = 1;

    function send(message) {
      socket.send(JSON.stringify(message));
    }

    socket.onopen = function () {
      send({ type: "connection_init", payload: { authorization: "Bearer " + token } });
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data); // text frames: a Blob here would not parse
      var sink = sinks[message.id];
      if (message.type === "connection_ack") handlers.acknowledged();
      else if (message.type === "ping") send({ type: "pong" });
      else if (message.type === "next" && sink) sink.next(message.payload);
      else if (message.type === "error" && sink) sink.error(message.payload);
      else if (message.type === "complete" && sink) sink.complete();
    };
    socket.onclose = function (event) {
      handlers.closed(event.code, event.reason);
    };

    return {
      subscribe: function (query, sink) {
        var id = String(nextId++);
        sinks[id] = sink;
        send({ id: id, type: "subscribe", payload: { query: query } });
        return id;
      },
      close: function () {
        socket.onclose = null;
        socket.close(1000, "signed out");
      },
    };
  }

  window.GraphQLTransportWS = { connect: connect };
})();
