from derivations.cli.main import main

raise SystemExit(main())
