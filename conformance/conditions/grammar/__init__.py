"""The condition-sentence grammar, one module per area, importing one way:

``tokens`` -> ``resolve`` (names -> ref / module tokens) -> ``clauses`` (clause split);
``tokens`` -> ``cursor`` -> ``value_phrases`` -> ``attribute_phrases`` -> ``predicates``
-> ``sentence`` (clause bodies and :func:`parse_condition`, the entry point).
"""
