"""The questions the query-engine tests ask of every engine, in SQL all of them read alike;
each engine adds its own spelling of the two that differ (quoting, date functions)."""

SHARED = {
    "ticket": "SELECT count(*) FROM {table} WHERE reason = 'CHG-1234'",
    "failed": "SELECT stack, count(*) FROM {table} WHERE outcome = 'failed' "
    "GROUP BY stack ORDER BY stack",
    "phases": "SELECT phase, count(*), count(outcome) FROM {table} GROUP BY phase ORDER BY phase",
    "ci": "SELECT count(*) FROM {table} WHERE identity.ci['repository'] = 'acme/infra'",
}
