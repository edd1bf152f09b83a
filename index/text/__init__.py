"""The language of articles and questions, shared by every stage.

Terms (`analysis`), sentences and passages with character offsets
(`sentences`, `passages`), who speaks in each sentence (`speakers`), and dates
(`dates`). Pure functions over text: no database, no network. Ingest analyses an
article with them, the store's migrations re-attribute with them, and the answer
stage reads a question with the very same analyzer, so both sides agree.
"""
