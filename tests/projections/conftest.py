from tests.ledger.support import ledger_url, results, sqlite_url, suite, tester  # noqa: F401
