"""Answering: a question in, verbatim quotes or an abstention out.

`query` reads the question; `bm25` holds the formulas; `quotes` scores candidate
sentences and chooses quotes; `ranking` is the learned quote ranker and
`answerability` the learned abstention and confidence model (both read their
fitted files through `fitted`); `corroboration` finds other articles stating a
quote's fact; `answerer` runs these in order over the store. It imports `text`
and `store` (reading only), never `ingest`.
"""
