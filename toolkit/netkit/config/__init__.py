"""The config layer: render intended configurations, validate them, compare them with running ones.

It renders and checks text only; it never opens a connection to a device.
"""
