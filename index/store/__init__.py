"""Storage: the system of record (SQLite, or PostgreSQL for several machines), and the
BM25 index derived from it.

`sql` is the small SQL interface both databases implement (`database` opens
SQLite, `postgres` PostgreSQL; `connections` opens either by location);
`schema` and `postgres` hold the engine's tables as ordered migration steps;
`articles` reads and writes articles and passages (`Store`); `journal` records
what the index still has to catch up with (SQLite's journal, PostgreSQL's
change log); `neardup` finds near-identical texts; `retriever` is the tantivy
BM25 index; `library` keeps SQLite and the index in step (the writer lock,
replay of a dead writer's journal rows, `repair` and `reindex`); `replica`
keeps this machine's index of a PostgreSQL library up to date; `migrate` copies
an SQLite library into PostgreSQL. It imports only `text` and the engine's
shared types.
"""
