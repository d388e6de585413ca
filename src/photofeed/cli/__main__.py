import sys

from photofeed.cli import main

sys.exit(main())
