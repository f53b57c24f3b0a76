"""Allow ``python -m bikefinder``."""

from bikefinder.cli import main

raise SystemExit(main())
