"""The ground floor: what every other layer may use, importing nothing of the project.

    settings     the workspace folder and the project's own paths
    clock        the business time zone (Asia/Shanghai) and today's local date
    files        atomic writes, folder swaps and scratch folders; a file's SHA-256
    rules        "the rule row in force on a date" for effective-dated rule tables
    identifiers  USCC, organisation code, resident ID (check digits)
    workdays     working days under statutory holidays and make-up days
    runtime      process settings an entry point applies before heavy libraries load

The layers above are declared in ``.importlinter`` and checked by ``lint-imports``.
"""
