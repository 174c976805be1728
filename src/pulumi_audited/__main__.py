import sys

from pulumi_audited.shim import main

sys.exit(main())
