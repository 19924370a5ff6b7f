"""YAML custom rules: site and project policies on top of the standard's checks.

A rule file (schema: ``conformance rules schema``, assembled from ``rules_base.schema.json``
and the operators' own fragments; the format with a worked example per operator:
``docs/rules.md``)::

    version: 1
    extends: [builtin:pn-formatting]       # a shipped pack, or a path relative to this file
    params: {creator: DICOMNODE}           # ${creator} anywhere below; extending files win
    disable:                               # switch off standard checks or rules, visibly
      - {code: vr-dubious, reason: "our archive pads with NUL"}
    severity: {not-in-iod: info}           # CODE: LEVEL; --severity on the CLI wins
    suppress:                              # scoped: tag/keyword, iod, path glob (optional)
      - {code: not-in-iod, keyword: DeviceSerialNumber, reason: "our scanners add it"}
    rules:
      - id: ct-kernel                      # unique in the pack; also the finding code
        severity: error                    # error | warning | info
        message: "{keyword} is required for CT ({path})"
        description: why the site wants it
        applies_to: {modalities: [CT]}     # iods / sop_classes / modalities (all must match)
        when: {eq: {attr: ImageType, values: [ORIGINAL], index: 1}}
        check: {not_empty: ConvolutionKernel}

Targets are keywords or tags with sequence paths (``Seq[*].Attr``, ``(0008,1115)[0].
(0020,000E)``); see ``paths``. Operators: ``present absent not_empty equals one_of matches
range length vm pn_formatted uid_root same_in_all_items unique_in_sequence`` and
``all any not``, one class each in ``opset`` (adding one: docs/CONTRACTS.md). Value
operators do not apply to absent or empty elements: combine with ``present``/``not_empty``
to require a value. ``when`` is the
condition language in YAML form (see ``when``). Message fields: ``{keyword} {tag}
{value} {path} {expected} {id} {why}``.

Findings of a rule: ``code`` = rule id, ``source`` = ``"<file>#<rule id>"``, ``line`` =
the rule's line in its file.
"""

from conformance.errors import RuleFileError
from conformance.rules.pack import LoadedPack, as_pack, load_pack
from conformance.rules.schema import schema_text

__all__ = ["LoadedPack", "RuleFileError", "as_pack", "load_pack", "schema_text"]
