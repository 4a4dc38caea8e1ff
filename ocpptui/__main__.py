"""`python -m ocpptui` runs the command line."""

from ocpptui.cli import main

raise SystemExit(main())
