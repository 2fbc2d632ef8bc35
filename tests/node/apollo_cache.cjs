// Apollo Client's normalised cache against the server: two queries read different fields of
// the same membership; the cache merges them into one Membership entity (without ids the second
// replaced the first's membership, and the first query no longer read complete from the cache).
// A third reads it by node(id:), and finds the same entity.
// usage: node apollo_cache.cjs http://HOST/graphql TOKEN CUSTOMER_ID
const { ApolloClient, InMemoryCache, HttpLink, gql } = require("@apollo/client");
const { done, fail } = require("./common.cjs");

const [uri, token, customerId] = process.argv.slice(2);

const NUMBER = gql`
  query MemberNumber($id: ID!) {
    customer(id: $id) { id membership { id memberNumber } }
  }
`;
const STATUS = gql`
  query MemberStatus($id: ID!) {
    customer(id: $id) { id membership { id status tier { id name } } }
  }
`;
const BY_NODE = gql`
  query MemberByNode($id: ID!) {
    node(id: $id) { id ... on Membership { memberNumber } }
  }
`;
const MEMBERSHIP = gql`
  fragment Whole on Membership { id memberNumber status tier { name } }
`;

async function main() {
  const client = new ApolloClient({
    link: new HttpLink({ uri, headers: { authorization: `Bearer ${token}` } }),
    cache: new InMemoryCache(),
  });
  const first = await client.query({ query: NUMBER, variables: { id: customerId } });
  const membershipId = first.data.customer.membership.id;
  const second = await client.query({ query: STATUS, variables: { id: customerId } });
  const firstAgain = client.readQuery({ query: NUMBER, variables: { id: customerId } });
  const third = await client.query({ query: BY_NODE, variables: { id: membershipId } });
  const cacheId = client.cache.identify({ __typename: "Membership", id: membershipId });
  const merged = client.readFragment({ id: cacheId, fragment: MEMBERSHIP });
  const entities = Object.keys(client.cache.extract()).filter((key) =>
    key.startsWith("Membership:"),
  );
  done({ first: first.data, second: second.data, third: third.data, firstAgain, merged, entities });
}

main().catch(fail);
