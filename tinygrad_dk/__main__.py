"""``python -m tinygrad_dk``: the same as the `tinygrad-dk` command."""

import sys

from tinygrad_dk.cli import main

sys.exit(main())
