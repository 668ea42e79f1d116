"""The bottom layer: the words every stage shares (spans, roles, statuses, warning codes, usage).

It imports nothing of zhenggai, so any stage, contract or shell can import it without pulling
in a later stage (`tests/test_layers.py` holds every package to that).
"""
