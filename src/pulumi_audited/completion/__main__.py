import sys

from pulumi_audited.completion import main

sys.exit(main())
