"""The bundle's entry point: the same `main()` as the `pawpado-desktop` script."""

import sys

from pawpado_desktop.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
