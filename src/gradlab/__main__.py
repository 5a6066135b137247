"""``python -m gradlab``: the ``gradlab`` command."""

import sys

from gradlab.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
