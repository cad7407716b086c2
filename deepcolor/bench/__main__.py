"""`python -m deepcolor.bench`."""

import sys

from deepcolor.bench import main
from deepcolor.runs import run_cli

sys.exit(run_cli(main))
