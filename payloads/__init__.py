"""The commerce payload models shared by streams (event payloads) and agents (requests): one definition each.

Imports only pydantic and the standard library, so both packages may use it.
"""
