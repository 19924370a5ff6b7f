"""Parse PS3.3 condition sentences ("Required if ...") into condition expressions.

The grammar lives in :mod:`conformance.conditions.grammar`, one module per area; this
module is the entry point the build and the CLI import.
"""

from conformance.conditions.grammar.sentence import KINDS, parse_condition
from conformance.conditions.grammar.tokens import tokenize

__all__ = ["KINDS", "parse_condition", "tokenize"]
