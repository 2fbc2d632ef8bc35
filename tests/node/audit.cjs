// graphql-http's own audit of a server: prints {ok, warn, error, notes} as JSON.
// usage: node audit.cjs http://127.0.0.1:PORT/graphql
const { auditServer } = require("graphql-http");

async function main() {
  const url = process.argv[2];
  const results = await auditServer({ url, fetchFn: fetch });
  const summary = { ok: 0, notice: 0, warn: 0, error: 0, notes: [] };
  for (const result of results) {
    summary[result.status] += 1;
    if (result.status !== "ok") {
      summary.notes.push(`${result.status} ${result.id} ${result.name}: ${result.reason}`);
    }
  }
  process.stdout.write(JSON.stringify(summary) + "\n");
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});
