// The graphql-ws reference client (createClient with the ws package) against the server.
// usage: node graphql_ws_client.cjs ws://HOST/graphql TOKEN subscribe|refused
const { createClient } = require("graphql-ws");
const WebSocket = require("ws");
const { EVENTS, createCustomer, withTimeout, done, fail, sleep } = require("./common.cjs");

const [url, token, mode] = process.argv.slice(2);
const httpUrl = url.replace(/^ws/, "http");

function connect(authorization) {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    retryAttempts: 0,
  });
}

async function subscribe() {
  const client = connect(`Bearer ${token}`);
  let acknowledged = false;
  client.on("connected", () => {
    acknowledged = true;
  });
  const events = client.iterate({ query: EVENTS });
  const first = events.next();
  await sleep(500); // the subscription is registered; now the mutation emits its event
  const created = await createCustomer(httpUrl, token, "Node Client");
  const { value } = await withTimeout(first, 10000, "the customer.created event");
  await events.return();
  await client.dispose();
  done({ acknowledged, created: created.data.createCustomer, event: value });
}

async function refused() {
  const client = connect("Bearer not-a-valid-token");
  const outcome = await withTimeout(
    new Promise((resolve) => {
      client.subscribe(
        { query: EVENTS },
        {
          next: (value) => resolve({ next: value }),
          error: (error) => resolve({ closeCode: error.code, reason: error.reason }),
          complete: () => resolve({ completed: true }),
        },
      );
    }),
    10000,
    "the refusal",
  );
  await client.dispose();
  done(outcome);
}

(mode === "refused" ? refused() : subscribe()).catch(fail);
