"""The chat runtime every surface shares: the flows (runtime.py), what they remember
(state.py), the question budget, channel settings, the ingest queue, and the one
answer layout (layout.py) the renderers follow."""
