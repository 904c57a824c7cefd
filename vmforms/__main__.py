from vmforms.cli import main

raise SystemExit(main())
