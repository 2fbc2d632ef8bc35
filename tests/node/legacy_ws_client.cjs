// The legacy graphql-ws protocol's reference client (subscriptions-transport-ws).
// usage: node legacy_ws_client.cjs ws://HOST/graphql TOKEN subscribe|refused
const { SubscriptionClient } = require("subscriptions-transport-ws");
const WebSocket = require("ws");
const { EVENTS, createCustomer, withTimeout, done, fail, sleep } = require("./common.cjs");

const [url, token, mode] = process.argv.slice(2);
const httpUrl = url.replace(/^ws/, "http");

function connect(authorization) {
  let settle;
  const connection = new Promise((resolve) => {
    settle = resolve;
  });
  const client = new SubscriptionClient(
    url,
    {
      connectionParams: { authorization },
      reconnect: false,
      connectionCallback: (error) => settle(error ? { error } : { acknowledged: true }),
    },
    WebSocket,
  );
  return { client, connection };
}

async function subscribe() {
  const { client, connection } = connect(`Bearer ${token}`);
  const event = new Promise((resolve, reject) => {
    client.request({ query: EVENTS }).subscribe({ next: resolve, error: reject });
  });
  const connected = await withTimeout(connection, 10000, "connection_ack");
  await sleep(500);
  const created = await createCustomer(httpUrl, token, "Legacy Client");
  const value = await withTimeout(event, 10000, "the customer.created event");
  client.close();
  done({ ...connected, created: created.data.createCustomer, event: value });
}

async function refused() {
  const { client, connection } = connect("Bearer not-a-valid-token");
  client.request({ query: EVENTS }).subscribe({ next: () => {}, error: () => {} });
  const outcome = await withTimeout(connection, 10000, "the refusal");
  client.close();
  done(outcome);
}

(mode === "refused" ? refused() : subscribe()).catch(fail);
