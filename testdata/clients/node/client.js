// Drives node-postgres against a PostgreSQL-compatible server and prints
// what it sees, one JSON line per result, for comparison with PostgreSQL's.
//
// usage: node client.js CONNECTION_STRING
const { Client } = require('pg');

async function main() {
  const client = new Client({ connectionString: process.argv[2] });
  await client.connect();
  const show = async (text, values, name) => {
    try {
      const res = await client.query({ text, values, name });
      const fields = res.fields.map((f) => [f.name, f.dataTypeID]);
      console.log(JSON.stringify([res.command, res.rowCount, fields, res.rows]));
    } catch (e) {
      console.log(JSON.stringify(['error', e.code, e.message]));
    }
  };
  await show('SELECT symbol, count(*), sum(volume) FROM candles WHERE close > 200 GROUP BY symbol ORDER BY symbol');
  await show('SELECT symbol, close FROM candles WHERE symbol = $1 AND volume > $2 ORDER BY ts LIMIT 3', ['MSFT', 990000]);
  for (let i = 0; i < 3; i++) {
    await show('SELECT id, i2, i4, i8, f4, f8, num, b, t, d, ts, tstz, bin FROM types WHERE id <= $1 ORDER BY id', [9], 'types');
  }
  // Catalog columns: oids are numbers, names strings, as node-postgres
  // parses PostgreSQL's oid and name types.
  await show("SELECT c.oid, n.oid AS nsp, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'pg_class'");
  await show('SELECT nosuch FROM candles');
  await show('SELECT $1::int + 1 AS n, $2::text AS t', [41, 'x']);
  await client.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
