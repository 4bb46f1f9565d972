"""``python -m gradviz``: the same as the ``gradviz`` command."""

from gradviz.cli import main

raise SystemExit(main())
