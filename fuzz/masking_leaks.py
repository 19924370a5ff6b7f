"""Masking campaign: ``python fuzz/masking_leaks.py --seed N --files K``.

Each file is CT_small with one identifying value (a person's name, an address, an ID,
a comment ...) made of three marker words joined by awkward bytes: ``^``, ``=``, ``\\``,
ISO 2022 escapes, NUL, TAB, CR LF, NEL, NBSP, quotes and bytes beyond ASCII. The file's
Specific Character Set, and that of the sequence item holding the value (when it is in
one), are drawn from real, unknown and empty terms. The file is validated with values
shown and with the default masking: a marker word quoted in the first must not be in the
second. A leak prints the seed, the file's number, the value and the masked message;
exit status 1 when there is one. (CI runs a short fixed-seed campaign:
``tests/fuzz/test_masking_leaks.py``.)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import warnings
from pathlib import Path

TERMS = ["", "ISO_IR 100", "ISO_IR 192", "ISO 2022 IR 87", "ISO 2022 IR 149", "GB18030",
         "ISO 2022 IR 100", "ISO_IR 13", "NOT A SET", "ISO 2022 IR 6", "ISO_IR 144"]
PIECES = [b"^", b"=", b"\\", b"\x1b$B", b"\x1b(B", b"\x1b$)C", b"\x00", b"\t", b" ", b"\xe9",
          b"\xc3\xa9", b"\xcd\xf5", b"\x8e\xa1", b"\xff", b"\r\n", b"'", b'"', b"\x85", b"\xa0"]
# identifying elements of several VRs (PS3.15 Table E.1-1), text a character set extends
# and text of the default repertoire only (DA, UI, CS: read as stored bytes)
ELEMENTS = [(0x00081050, "PN"), (0x00100010, "PN"), (0x00080090, "PN"), (0x00321032, "PN"),
            (0x00080080, "LO"), (0x00081040, "LO"), (0x00100020, "LO"), (0x00081030, "LO"),
            (0x00101040, "LO"), (0x00080081, "ST"), (0x00104000, "LT"), (0x00080050, "SH"),
            (0x00100030, "DA"), (0x0020000D, "UI"), (0x00102203, "CS")]
_EXTENDED = {"PN", "LO", "SH", "ST", "LT"}


def campaign(seed: int, files: int) -> list[str]:
    """The leaks found in ``files`` generated files (one line each)."""
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.sequence import Sequence

    from conformance.engine.api import Validator

    shown_v, masked_v = Validator(show_values=True), Validator()
    rng = random.Random(seed)
    base = get_testdata_file("CT_small.dcm")
    leaks: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(tmp) / "f.dcm"
        for i in range(files):
            ds = pydicom.dcmread(base)
            terms = rng.sample(TERMS, rng.randint(0, 3))
            if terms:
                ds.add_new(0x00080005, "CS", "\\".join(terms))
            elif "SpecificCharacterSet" in ds:
                del ds.SpecificCharacterSet
            words = [f"Zq{rng.choice('abcdefgh')}{i:04d}w{k}" for k in range(3)]
            value = b"".join(w.encode() + b"".join(rng.choice(PIECES)
                                                   for _ in range(rng.randint(0, 3)))
                             for w in words)
            holder = ds
            if rng.random() < 0.5:
                holder = pydicom.Dataset()
                if rng.random() < 0.7:
                    holder.add_new(0x00080005, "CS",
                                   "\\".join(rng.sample(TERMS, rng.randint(0, 3))))
                ds.add_new(0x00081111, "SQ", Sequence([holder]))
            tag, vr = rng.choice(ELEMENTS)
            # pydicom takes the bytes of a default-repertoire VR as text (Latin-1 writes
            # them back unchanged)
            holder.add_new(tag, vr, value if vr in _EXTENDED else value.decode("latin-1"))
            ds.save_as(path, enforce_file_format=True)
            shown = "\n".join(f.message for f in shown_v.validate(path).findings)
            masked = "\n".join(f.message for f in masked_v.validate(path).findings)
            for w in words:
                if w in shown and w in masked:
                    line = next(m for m in masked.splitlines() if w in m)
                    leaks.append(f"seed {seed} file {i}: {tag:08X} {vr} {value!r}: {line}")
                    break
    return leaks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=1000)
    args = ap.parse_args(argv)
    leaks = campaign(args.seed, args.files)
    for line in leaks:
        print(line)
    print(f"{args.files} files, {len(leaks)} leaks (seed {args.seed})")
    return 1 if leaks else 0


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a script: the repository root holds ``fuzz``
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
