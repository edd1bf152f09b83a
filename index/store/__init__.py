"""Storage: SQLite as the system of record, and the BM25 index derived from it.

`database` opens SQLite and applies migration sets; `schema` holds the engine's
tables as ordered migration steps; `articles` reads and writes articles and
passages (`Store`); `journal` records what the index still has to catch up
with; `neardup` finds near-identical texts; `retriever` is the tantivy BM25
index; `library` keeps SQLite and the index in step (the writer lock, replay of
a dead writer's journal rows, `repair` and `reindex`). It imports only `text`
and the engine's shared types.
"""
