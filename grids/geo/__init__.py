"""The territory's geometry: boundaries, coordinate systems and the point → territory index.

`coords` converts the coordinate systems phones send, `shapes` reads and checks GeoJSON
boundaries in metres, `boundaries` holds the rules a boundary obeys against its parent,
siblings and children, and `index` is the per-process spatial index that answers which
street, community, grid and micro-grid hold a point. Nothing here knows cases.
"""
