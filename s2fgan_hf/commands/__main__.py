"""``python -m s2fgan_hf.commands ...``: the ``s2fgan`` command line."""

import sys

from .dispatch import main

sys.exit(main())
