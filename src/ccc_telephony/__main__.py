import sys

from ccc_telephony.cli import main

sys.exit(main())
