"""Allow `python -m raidwatch`."""

from raidwatch.cli import main

raise SystemExit(main())
