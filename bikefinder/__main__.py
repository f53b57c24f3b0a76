"""Allow ``python -m bikefinder``."""

from bikefinder.cli.main import main

raise SystemExit(main())
