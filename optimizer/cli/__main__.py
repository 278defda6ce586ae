"""``python -m optimizer.cli``: the same as ``fsopt``."""

import sys

from optimizer.cli import main

sys.exit(main())
