"""``python -m conformance``: the same command as ``conformance``."""

import sys

from conformance.cli import main

sys.exit(main())
