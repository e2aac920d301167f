// What the Go harness (clients/contract_test.go) passes to every test file:
// the GraphQL endpoint of a VAMS it started in demo mode, and a bearer token
// and the ICN of each demo veteran. Each file signs in as a different veteran, since
// node --test runs the files at the same time and some of them write.
function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite through go test ./clients/`);
  return v;
}

export const graphqlURL = required("VAMS_GRAPHQL_URL");

export function token(veteran) {
  return required(`VAMS_TOKEN_${veteran}`);
}

export function authHeaders(veteran) {
  return { Authorization: `Bearer ${token(veteran)}` };
}

export function icn(veteran) {
  return required(`VAMS_ICN_${veteran}`);
}
