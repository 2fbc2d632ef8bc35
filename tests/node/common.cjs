// Shared by the client scripts: the mutation that triggers an event, and printing a result.
const CREATE = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code } } }`;
const EVENTS = `subscription { events(types: ["customer.created"]) {
  __typename type customerId ... on CustomerCreated { customer { name } } } }`;

async function createCustomer(httpUrl, token, name) {
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: CREATE, variables: { input: { name } } }),
  });
  return response.json();
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function done(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

function fail(error) {
  process.stderr.write(String(error && error.stack ? error.stack : JSON.stringify(error)) + "\n");
  process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { CREATE, EVENTS, createCustomer, withTimeout, done, fail, sleep };
