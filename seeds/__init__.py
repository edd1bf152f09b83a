"""The five bundled seed articles and their manifest, installed as package data.

`newsbot ask` on an empty database indexes these first, so a fresh install
answers at once. The articles are kept exactly as they were given.
"""
