"""Ingest: from a file, bytes or a URL to an article stored and indexed.

Reading (`files`: size, binary and UTF-8 checks, Markdown, HTML, manifests),
fetching safely (`fetch`, `addresses`, `transfer`), many URLs and feeds at once
(`bulk`), cleaning web debris (`clean`), and preparing an article for the store
(`pipeline`: clean, split, analyse, MinHash, in worker processes). `ingester`
orchestrates: one outcome per item, duplicates decided, the library told to
store. It imports `text` and `store`, never `answer`.
"""
