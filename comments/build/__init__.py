"""The build-side reader: every comment as plain data, for Pelican's plugins.

Reads the database read-only or the server's export, never an email or IP
address, digests what pages show, and falls back to the last snapshot. It never
imports Isso.
"""
