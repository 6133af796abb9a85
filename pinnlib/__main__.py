"""``python -m pinnlib``: see :mod:`pinnlib.cli`."""

import sys

from pinnlib.cli import main

sys.exit(main())
