"""``python -m wecom_callback._cli``: the ``wecom-callback`` command."""

from .main import main

raise SystemExit(main())
