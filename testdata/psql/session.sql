SELECT symbol, ts, close, volume, vwap FROM candles WHERE symbol = 'MSFT' AND volume > 900000 ORDER BY ts LIMIT 3;
SELECT nosuch FROM candles;
SELECT id, i2, f4, num, b, t, d, tstz, bin FROM types WHERE id IN (1, 5, 6) ORDER BY id;
SELECT symbol, count(*), avg(close), sum(volume) FROM candles GROUP BY symbol ORDER BY 1 LIMIT 2;
SELECT 1 AS one, 'a' || 'b' AS ab, NULL AS nothing, 7 / 2 AS half, 2 * 3.5 AS product;
COPY types TO STDOUT;
COPY (SELECT id, t, num, tstz FROM types ORDER BY id) TO STDOUT (FORMAT csv, HEADER);
COPY symbols (symbol, name) TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL 'NA');
COPY (SELECT id, t, i2 FROM types ORDER BY id) TO STDOUT (FORMAT csv, DELIMITER ';', QUOTE '''', FORCE_QUOTE (t));
COPY (SELECT id, t FROM types ORDER BY id) TO STDOUT (FORMAT csv, FORCE_QUOTE *, HEADER);
COPY (SELECT id FROM types) TO STDOUT (FORMAT csv, FORCE_QUOTE (nope));
\copy (SELECT id, t FROM types WHERE id < 4 ORDER BY id) TO STDOUT (HEADER)
\dt
\dn
\dt public.*
\dv
\d candles
\d types
\d symbols
\du
\dx
\dT
\df
CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, code text UNIQUE, balance numeric(12,2) DEFAULT 0, note text DEFAULT 'none', opened timestamptz DEFAULT now(), vip boolean DEFAULT false, score integer DEFAULT -1);
INSERT INTO accounts (id, owner, code, balance) VALUES (1, 'ann', 'a', 10.50), (2, 'bob', NULL, 3);
CREATE INDEX ON accounts (owner DESC, opened);
CREATE UNIQUE INDEX accounts_score ON accounts USING btree (score);
\d accounts
\di
SELECT id, owner, code, balance, note, vip, score FROM accounts ORDER BY id;
UPDATE accounts SET balance = balance + 1 WHERE id = 2;
DELETE FROM accounts WHERE id = 1;
SELECT id, owner, balance, note FROM accounts;
DROP TABLE accounts;
CREATE TABLE limits (a int CHECK (a > 0), b int, c text, CONSTRAINT ab CHECK (a < b), CHECK (length(c) < 5), CHECK (b <> 100));
INSERT INTO limits VALUES (1, 2, 'x'), (NULL, NULL, NULL);
INSERT INTO limits VALUES (5, 2, 'x');
UPDATE limits SET b = 0 WHERE a = 1;
\d limits
DROP TABLE limits;
CREATE TABLE owners (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE pets (id int, owner_id int REFERENCES owners, owner_code text, FOREIGN KEY (owner_code) REFERENCES owners (code) ON DELETE RESTRICT);
INSERT INTO owners VALUES (1, 'a');
INSERT INTO pets VALUES (1, 1, 'a'), (2, NULL, NULL);
INSERT INTO pets VALUES (3, 2, NULL);
DELETE FROM owners;
\d owners
\d pets
DROP TABLE owners;
DROP TABLE pets, owners;
\d+ symbols
\do ||
\df upper
\df+ lower
\dT+ int4
COMMENT ON TABLE types IS 'every type';
COMMENT ON COLUMN types.id IS 'the key';
\d+ types
SELECT obj_description('types'::regclass, 'pg_class');
COMMENT ON TABLE types IS NULL;
COMMENT ON COLUMN types.id IS NULL;
CREATE VIEW big_movers AS SELECT c.symbol, c.ts::date AS day, close - open AS change, s.name FROM candles c JOIN symbols s USING (symbol) WHERE volume > 1000000 AND c.symbol IN ('AAPL', 'MSFT') ORDER BY 3 DESC LIMIT 10;
\dv
\d+ big_movers
\sv big_movers
DROP VIEW big_movers;
\dn+
\dA
\dL
\dconfig search_path
\dC int4
\x on
SELECT symbol, name, sector FROM symbols ORDER BY symbol LIMIT 2;
\x off
