"""``python -m hischange``: the same CLI as the ``hischange`` command."""

from hischange.cli.main import main

main()
